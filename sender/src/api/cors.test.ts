import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config.js';
import { testApp, unreachablePool } from '../testing/app.js';

// Nothing here reaches the database: a pool that cannot connect makes a test that does fail.
const pool = unreachablePool();
afterAll(() => pool.end());

const KEY = 'cors-test-key-0123456789';
const DASHBOARD = 'http://127.0.0.1:8082';

const makeApp = (corsOrigins?: string[]) => testApp({ pool, apiKey: KEY, corsOrigins });

const preflight = (origin: string) => ({
  method: 'OPTIONS',
  headers: {
    Origin: origin,
    'Access-Control-Request-Method': 'POST',
    'Access-Control-Request-Headers': 'x-api-key,content-type',
  },
});

describe('CORS for the dashboard', () => {
  it('answers a preflight from a listed origin before the key check (the browser sends none)', async () => {
    const res = await makeApp([DASHBOARD]).request(
      '/emitter/start?customer_id=a&webhook_id=b',
      preflight(DASHBOARD),
    );
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(DASHBOARD);
    expect(res.headers.get('access-control-allow-headers')).toBe('X-API-Key,Content-Type');
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
  });

  it('lets the page read the API’s own errors, a wrong key’s 401 included', async () => {
    const res = await makeApp([DASHBOARD]).request('/emitters', {
      headers: { Origin: DASHBOARD, 'X-API-Key': 'wrong-key-0123456789' },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('access-control-allow-origin')).toBe(DASHBOARD);
    expect(await res.json()).toEqual({ error: 'unauthorized', message: 'the X-API-Key is not valid' });
    const open = await makeApp([DASHBOARD]).request('/metrics', { headers: { Origin: DASHBOARD } });
    expect(open.status).toBe(200);
    expect(open.headers.get('access-control-allow-origin')).toBe(DASHBOARD);
  });

  it('gives other origins, and clients without an Origin, the API exactly as before', async () => {
    const app = makeApp([DASHBOARD]);
    const other = await app.request('/emitters', preflight('http://evil.example'));
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    expect(other.status).toBe(401); // not a preflight answer: the key check runs as for any request
    const curl = await app.request('/emitters', { method: 'OPTIONS' });
    expect(curl.status).toBe(401);
    const get = await app.request('/ping', { headers: { Origin: 'http://evil.example' } });
    expect(get.status).toBe(200);
    expect(get.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('is off without origins', async () => {
    const res = await makeApp().request('/emitters', preflight(DASHBOARD));
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('reads SENDER_CORS_ORIGINS: the stack’s consumer by default, a list, or none', () => {
    const base = { SENDER_DATABASE_URL: 'postgres://x/y', SENDER_API_KEY: KEY };
    expect(parseConfig(base).SENDER_CORS_ORIGINS).toEqual(['http://127.0.0.1:8082', 'http://localhost:8082']);
    expect(
      parseConfig({ ...base, SENDER_CORS_ORIGINS: 'http://a:1, https://b.example' }).SENDER_CORS_ORIGINS,
    ).toEqual(['http://a:1', 'https://b.example']);
    expect(parseConfig({ ...base, SENDER_CORS_ORIGINS: 'none' }).SENDER_CORS_ORIGINS).toEqual([]);
    expect(() => parseConfig({ ...base, SENDER_CORS_ORIGINS: 'http://a:1/path' })).toThrow(
      /SENDER_CORS_ORIGINS/,
    );
  });
});
