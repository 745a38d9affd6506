import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config.js';

const base = { DATABASE_URL: 'postgres://x/y', RECEIVER_API_KEY: 'k' };

describe('dashboard settings', () => {
  it('has the panels off and the contract sender URL by default', () => {
    const c = parseConfig(base);
    expect(c.CONSUMER_HANDLER_URLS).toEqual([]);
    expect(c.CONSUMER_NGINX_ACCESS_LOG).toBeUndefined();
    expect(c.CONSUMER_DASHBOARD_SENDER_URL).toBe('http://127.0.0.1:8080');
    expect(c.CONSUMER_DASHBOARD_POLL_MS).toBe(1500);
  });

  it('reads replica URLs as a comma- or space-separated list', () => {
    const c = parseConfig({
      ...base,
      CONSUMER_HANDLER_URLS: 'http://127.0.0.1:8091 http://127.0.0.1:8092,http://handler:8090',
    });
    expect(c.CONSUMER_HANDLER_URLS).toEqual([
      'http://127.0.0.1:8091',
      'http://127.0.0.1:8092',
      'http://handler:8090',
    ]);
  });

  it('names the variable when a value is wrong', () => {
    expect(() => parseConfig({ ...base, CONSUMER_HANDLER_URLS: 'handler:8090' })).toThrow(
      /CONSUMER_HANDLER_URLS/,
    );
    expect(() => parseConfig({ ...base, CONSUMER_DASHBOARD_SENDER_URL: 'ftp://x' })).toThrow(
      /CONSUMER_DASHBOARD_SENDER_URL/,
    );
    // The issue asks for updates at least every 2 s.
    expect(() => parseConfig({ ...base, CONSUMER_DASHBOARD_POLL_MS: '5000' })).toThrow(
      /CONSUMER_DASHBOARD_POLL_MS/,
    );
  });
});
