import { describe, expect, it } from 'vitest';
import { DEFAULT_ALLOWED_HOSTS } from '@hookpipe/lib';
import { operationalRetryPolicy, parseConfig } from './config.js';

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

describe('operational webhook worker config', () => {
  it('allows the sender’s default hosts, or the list given in CONSUMER_ALLOWED_HOSTS', () => {
    expect(parseConfig(required).CONSUMER_ALLOWED_HOSTS).toEqual(DEFAULT_ALLOWED_HOSTS);
    expect(
      parseConfig({ ...required, CONSUMER_ALLOWED_HOSTS: 'ops.internal, *.example.test' })
        .CONSUMER_ALLOWED_HOSTS,
    ).toEqual(['ops.internal', '*.example.test']);
  });

  it('defaults to the sender’s attempt timeout and attempts', () => {
    const config = parseConfig(required);
    expect(config.CONSUMER_OPS_ATTEMPT_TIMEOUT_MS).toBe(15_000);
    expect(operationalRetryPolicy(config)).toEqual({
      maxAttempts: 10,
      baseMs: 1000,
      capMs: 300_000,
      retryAfterMaxMs: 3_600_000,
    });
  });

  it('names the variable when a value is out of range', () => {
    expect(() => parseConfig({ ...required, CONSUMER_OPS_MAX_ATTEMPTS: '0' })).toThrow(
      /CONSUMER_OPS_MAX_ATTEMPTS/,
    );
    expect(() => parseConfig({ ...required, CONSUMER_OPS_POLL_INTERVAL_MS: 'soon' })).toThrow(
      /CONSUMER_OPS_POLL_INTERVAL_MS/,
    );
  });
});
