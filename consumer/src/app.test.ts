import { describe, expect, it } from 'vitest';
import { makeRegistry, generateSecret, silentLogger } from '@hookpipe/lib';
import { makeApp, type AppDeps } from './app.js';
import { encodeCursor } from '@hookpipe/lib/api';
import type { EventFilter } from './store/events-query.js';

const KEY = 'test-key';
const auth = { 'X-API-Key': KEY };
const json = { ...auth, 'Content-Type': 'application/json' };

function testApp(overrides: Partial<AppDeps> = {}) {
  const calls: { list: EventFilter[]; secrets: unknown[]; replay: number[][] } = {
    list: [],
    secrets: [],
    replay: [],
  };
  const secretsInstalled = new Set<string>();
  const deps: AppDeps = {
    logger: silentLogger(),
    apiKeys: [KEY, 'second-key'],
    registry: makeRegistry('consumer-test'),
    events: {
      list: (f) => {
        calls.list.push(f);
        return Promise.resolve({ data: [], next_cursor: null });
      },
      get: () => Promise.resolve(null),
      failures: () => Promise.resolve([]),
    },
    deadLetters: {
      list: () => Promise.resolve({ data: [], next_cursor: null }),
      get: () => Promise.resolve(null),
      openIds: () => Promise.resolve([]),
      replay: () => Promise.reject(new Error('not used')),
    },
    secrets: {
      add: (input) => {
        calls.secrets.push(input);
        if (secretsInstalled.has(input.secret))
          return Promise.resolve({ ok: false as const, reason: 'duplicate' as const });
        secretsInstalled.add(input.secret);
        return Promise.resolve({
          ok: true as const,
          secret: {
            id: 1,
            customer_id: input.customerId,
            label: input.label,
            fingerprint: 'abc',
            created_at: 'now',
          },
        });
      },
      list: () => Promise.resolve([]),
      remove: (id) => Promise.resolve(id === 1),
    },
    replay: (ids) => {
      calls.replay.push([...ids]);
      return Promise.resolve({
        replayed: ids
          .filter((i) => i === 1)
          .map((id) => ({
            id,
            webhookId: 'msg_1',
            rawBody: Buffer.alloc(0),
            key: null,
            headers: {},
            replayedAt: new Date(0),
          })),
        skipped: ids
          .filter((i) => i !== 1)
          .map((id) => ({ id, reason: id === 2 ? ('already_replayed' as const) : ('not_found' as const) })),
      });
    },
    replayMax: 10,
    deadLetterPurge: {
      deadLetterIds: () => Promise.resolve([]),
      purgeDeadLetters: () => Promise.resolve([]),
    },
    dbTotals: () =>
      Promise.resolve({ persisted: 1, retried: 2, dead_lettered: 3, dead_letters_open: 1, replayed: 2 }),
    pingDb: () => Promise.resolve(),
    lag: () => Promise.resolve({ group: 'g', total: 0, partitions: [] }),
    consumerStatus: () => ({ running: true, joined: true, memberId: 'm', holds: [] }),
    counters: () => ({ persisted: 0 }),
    ...overrides,
  };
  return { app: makeApp(deps), calls, deps };
}

const baseSecrets = (h: ReturnType<typeof testApp>) => h.deps.secrets;

describe('receiver API', () => {
  it('leaves ping, health, metrics and docs open and guards the rest with X-API-Key', async () => {
    const { app } = testApp();
    for (const path of ['/ping', '/healthz', '/readyz', '/metrics', '/openapi.json', '/docs']) {
      expect((await app.request(path)).status, path).toBe(200);
    }
    const none = await app.request('/events');
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ error: 'unauthorized' });
    expect((await app.request('/events', { headers: { 'X-API-Key': 'wrong' } })).status).toBe(401);
    expect((await app.request('/events', { headers: { 'X-API-Key': 'second-key' } })).status).toBe(200);
  });

  it('documents every management route in /openapi.json', async () => {
    const { app } = testApp();
    const doc = (await (await app.request('/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/dead-letters',
      '/dead-letters/purge',
      '/dead-letters/replay',
      '/dead-letters/{id}',
      '/dead-letters/{id}/replay',
      '/events',
      '/events/{webhookId}',
      '/readyz',
      '/secrets',
      '/secrets/{id}',
      '/stats',
    ]);
  });

  it('passes event filters through and defaults the page', async () => {
    const { app, calls } = testApp();
    const res = await app.request('/events?customer_id=c1&type=order.created&since=2025-01-01T00:00:00Z', {
      headers: auth,
    });
    expect(res.status).toBe(200);
    expect(calls.list[0]).toMatchObject({
      customerId: 'c1',
      type: 'order.created',
      order: 'desc',
      limit: 50,
    });
    expect(calls.list[0]?.since?.toISOString()).toBe('2025-01-01T00:00:00.000Z');
    const cursor = encodeCursor({ t: '2025-01-01T00:00:00.000001Z', id: 'msg_1' });
    expect((await app.request(`/events?cursor=${cursor}&order=asc`, { headers: auth })).status).toBe(200);
    expect(calls.list[1]?.cursor).toEqual({ t: '2025-01-01T00:00:00.000001Z', id: 'msg_1' });
  });

  it.each([
    ['/events?limit=0', 'validation_failed', 'limit'],
    ['/events?limit=501', 'validation_failed', 'limit'],
    ['/events?limit=ten', 'validation_failed', 'limit'],
    ['/events?since=yesterday', 'validation_failed', 'since'],
    ['/events?order=up', 'validation_failed', 'order'],
    ['/events?since=2025-02-01T00:00:00Z&until=2025-01-01T00:00:00Z', 'validation_failed', 'since'],
    ['/events?cursor=garbage', 'invalid_cursor', 'cursor'],
    [
      '/dead-letters?cursor=' + encodeCursor({ t: '2025-01-01T00:00:00.000000Z', id: 'x' }),
      'invalid_cursor',
      'cursor',
    ],
    ['/dead-letters?status=maybe', 'validation_failed', 'status'],
    ['/dead-letters/abc', 'validation_failed', 'id'],
    ['/dead-letters/0', 'validation_failed', 'id'],
    ['/events/' + 'x'.repeat(256), 'validation_failed', 'webhookId'],
  ])('answers GET %s with 400 %s', async (path, code, mention) => {
    const { app } = testApp();
    const res = await app.request(path, { headers: auth });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toBe(code);
    expect(body.message).toContain(mention);
  });

  it('answers unknown ids with 404 and the shared error shape', async () => {
    const { app } = testApp();
    const ev = await app.request('/events/msg_nope', { headers: auth });
    expect(ev.status).toBe(404);
    expect(await ev.json()).toEqual({
      error: 'event_not_found',
      message: 'no persisted event has webhook id msg_nope',
    });
    expect((await app.request('/dead-letters/9', { headers: auth })).status).toBe(404);
    expect((await app.request('/secrets/9', { method: 'DELETE', headers: auth })).status).toBe(404);
    expect((await app.request('/nowhere', { headers: auth })).status).toBe(404);
  });

  it('installs a valid secret once and never echoes it', async () => {
    const { app } = testApp();
    const secret = generateSecret();
    const body = JSON.stringify({ customer_id: 'c1', secret, label: 'primary' });
    const res = await app.request('/secrets', { method: 'POST', headers: json, body });
    expect(res.status).toBe(201);
    const text = await res.text();
    expect(text).not.toContain(secret.slice(6));
    expect(JSON.parse(text)).toMatchObject({ customer_id: 'c1', label: 'primary', fingerprint: 'abc' });
    const again = await app.request('/secrets', { method: 'POST', headers: json, body });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: 'secret_exists' });
  });

  it.each([
    [{ customer_id: 'c1', secret: 'not-a-secret' }, 'invalid_secret'],
    [{ customer_id: 'c1', secret: 'whsec_!!!' }, 'invalid_secret'],
    [{ customer_id: '', secret: generateSecret() }, 'validation_failed'],
    [{ secret: generateSecret() }, 'validation_failed'],
    [{ customer_id: 'c1', secret: generateSecret(), extra: 1 }, 'validation_failed'],
  ])('rejects the secret body %j', async (payload, code) => {
    const { app, calls } = testApp();
    const res = await app.request('/secrets', {
      method: 'POST',
      headers: json,
      body: JSON.stringify(payload),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: code });
    expect(calls.secrets).toHaveLength(0);
  });

  it('rejects a body that is not JSON, or not declared as JSON', async () => {
    const { app } = testApp();
    const res = await app.request('/secrets', { method: 'POST', headers: json, body: '{nope' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_json' });
    const form = await app.request('/secrets', {
      method: 'POST',
      headers: auth,
      body: '{"customer_id":"c"}',
    });
    expect(form.status).toBe(415);
    expect(await form.json()).toMatchObject({ error: 'unsupported_media_type' });
  });

  it('replays one dead letter: 200, then 409 when already replayed, 404 when unknown', async () => {
    const { app } = testApp();
    const ok = await app.request('/dead-letters/1/replay', { method: 'POST', headers: auth });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ id: 1, webhook_id: 'msg_1', replayed_at: '1970-01-01T00:00:00.000Z' });
    const dup = await app.request('/dead-letters/2/replay', { method: 'POST', headers: auth });
    expect(dup.status).toBe(409);
    expect(await dup.json()).toMatchObject({ error: 'already_replayed' });
    expect((await app.request('/dead-letters/3/replay', { method: 'POST', headers: auth })).status).toBe(404);
  });

  it('bounds and checks bulk replay bodies', async () => {
    const { app, calls } = testApp();
    const post = (body: unknown) =>
      app.request('/dead-letters/replay', { method: 'POST', headers: json, body: JSON.stringify(body) });
    const res = await post({ ids: [1, 2, 3] });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      replayed: [{ id: 1, webhook_id: 'msg_1', replayed_at: '1970-01-01T00:00:00.000Z' }],
      skipped: [
        { id: 2, reason: 'already_replayed' },
        { id: 3, reason: 'not_found' },
      ],
    });
    for (const bad of [
      {},
      { ids: [] },
      { ids: Array.from({ length: 11 }, (_, i) => i + 1) },
      { ids: [1], filter: {} },
      { ids: ['1'] },
    ]) {
      const r = await post(bad);
      expect(r.status, JSON.stringify(bad)).toBe(400);
      expect(await r.json()).toMatchObject({ error: 'validation_failed' });
    }
    expect(calls.replay).toEqual([[1, 2, 3]]);
  });

  it('answers 503 database_unavailable when PostgreSQL is down, and /stats with what it still knows', async () => {
    const down = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const base = testApp();
    const { app } = testApp({
      dbTotals: () => Promise.reject(down),
      pingDb: () => Promise.reject(down),
      secrets: { ...baseSecrets(base), list: () => Promise.reject(down) },
    });
    const res = await app.request('/secrets', { headers: auth });
    expect(res.status).toBe(503);
    expect(res.headers.get('Retry-After')).toBe('2');
    expect(await res.json()).toMatchObject({ error: 'database_unavailable' });
    const stats = await app.request('/stats', { headers: auth });
    expect(stats.status).toBe(200);
    expect(await stats.json()).toMatchObject({
      totals: null,
      totals_error: 'connect ECONNREFUSED',
      lag: { total: 0 },
    });
    const ready = await app.request('/readyz');
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({
      status: 'unavailable',
      checks: { database: 'connect ECONNREFUSED', kafka: 'ok' },
    });
  });

  it('reports stats with lag, and lag_error instead when Kafka cannot be asked', async () => {
    const { app } = testApp({ lag: () => Promise.reject(new Error('no broker')) });
    const res = await app.request('/stats', { headers: auth });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      totals: { persisted: 1, retried: 2, dead_lettered: 3 },
      lag: null,
      lag_error: 'no broker',
      consumer: { joined: true, paused: [] },
    });
  });

  it('answers a wrong method with 405 and Allow', async () => {
    const { app } = testApp();
    const res = await app.request('/events', { method: 'DELETE', headers: auth });
    expect(res.status).toBe(405);
    expect(res.headers.get('Allow')).toBe('GET, HEAD');
  });
});
