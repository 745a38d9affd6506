import { describe, expect, it } from 'vitest';
import { parseDashboardConfig } from './config.js';

describe('dashboard settings', () => {
  it('has the panels off and the contract sender URL by default', () => {
    const c = parseDashboardConfig({});
    expect(c.CONSUMER_HANDLER_URLS).toEqual([]);
    expect(c.CONSUMER_NGINX_ACCESS_LOG).toBeUndefined();
    expect(c.CONSUMER_DASHBOARD_SENDER_URL).toBe('http://127.0.0.1:8080');
    expect(c.CONSUMER_DASHBOARD_POLL_MS).toBe(1500);
  });

  it('reads replica URLs as a comma- or space-separated list', () => {
    const c = parseDashboardConfig({
      CONSUMER_HANDLER_URLS: 'http://127.0.0.1:8091 http://127.0.0.1:8092,http://handler:8090',
    });
    expect(c.CONSUMER_HANDLER_URLS).toEqual([
      'http://127.0.0.1:8091',
      'http://127.0.0.1:8092',
      'http://handler:8090',
    ]);
  });

  it('names the variable when a value is wrong', () => {
    expect(() => parseDashboardConfig({ CONSUMER_HANDLER_URLS: 'handler:8090' })).toThrow(
      /CONSUMER_HANDLER_URLS/,
    );
    expect(() => parseDashboardConfig({ CONSUMER_DASHBOARD_SENDER_URL: 'ftp://x' })).toThrow(
      /CONSUMER_DASHBOARD_SENDER_URL/,
    );
    // The issue asks for updates at least every 2 s.
    expect(() => parseDashboardConfig({ CONSUMER_DASHBOARD_POLL_MS: '5000' })).toThrow(
      /CONSUMER_DASHBOARD_POLL_MS/,
    );
  });
});
