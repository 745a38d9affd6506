import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.js';

const required = { DATABASE_URL: 'postgres://localhost/receiver', RECEIVER_API_KEY: 'rk_0123456789abcdef' };

describe('consumer config', () => {
  it('holds a dead member in the group for at most 10 s by default (the soak: docs/reliability.md)', () => {
    const config = parseConfig(required);
    expect(config.CONSUMER_SESSION_TIMEOUT_MS).toBe(10_000);
    expect(config.CONSUMER_HEARTBEAT_INTERVAL_MS * 3).toBeLessThanOrEqual(config.CONSUMER_SESSION_TIMEOUT_MS);
  });

  it('names the variable when the heartbeat is too slow for the session', () => {
    expect(() =>
      parseConfig({
        ...required,
        CONSUMER_SESSION_TIMEOUT_MS: '6000',
        CONSUMER_HEARTBEAT_INTERVAL_MS: '3000',
      }),
    ).toThrow(/CONSUMER_HEARTBEAT_INTERVAL_MS/);
  });
});
