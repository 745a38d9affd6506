import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { silentLogger, systemClock } from '@hookpipe/lib';
import { createApp } from '../app.js';
import { parseConfig } from '../config.js';
import { createEmitterManager } from '../emitters/manager.js';
import { createSenderMetrics } from '../metrics.js';
import { createSecretBox } from '../secrets.js';
import { createTargetPolicy, DEFAULT_ALLOWED_HOSTS } from '../targets.js';

// Nothing here reaches the database: a pool that cannot connect makes a test that does fail.
const pool = new pg.Pool({
  connectionString: 'postgres://nobody@127.0.0.1:1/none',
  connectionTimeoutMillis: 200,
});
afterAll(() => pool.end());

const KEY = 'cors-test-key-0123456789';
const DASHBOARD = 'http://127.0.0.1:8082';

function makeApp(corsOrigins?: string[]) {
  const metrics = createSenderMetrics();
  return createApp({
    logger: silentLogger(),
    apiKeys: [KEY],
    ...(corsOrigins ? { corsOrigins } : {}),
    pool,
    clock: systemClock,
    box: createSecretBox(null),
    targets: createTargetPolicy(DEFAULT_ALLOWED_HOSTS),
    emitters: createEmitterManager({
      pool,
      logger: silentLogger(),
      clock: systemClock,
      metrics,
      notify: () => undefined,
      seed: 1,
      oversizedBytes: 1024,
      maxBacklog: 10,
      maxRunning: 1,
    }),
    metrics,
    notify: () => undefined,
    settings: {
      webhookConcurrency: 32,
      deliveryConcurrency: 64,
      rotationGraceS: 60,
      maxEventBytes: 1024,
      emitterRate: 0.2,
      emitterMaxRate: 100,
      emitterConcurrency: 8,
      fakerSeed: 1,
    },
  });
}

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
