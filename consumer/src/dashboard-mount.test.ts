// The dashboard as the consumer mounts it: its key rules, its 405s, its place in /openapi.json.
// The routes themselves are tested in dashboard/src/routes.test.ts.
import { describe, expect, it } from 'vitest';
import type { DashboardDeps, DashboardState } from '@hookpipe/dashboard';
import { makeRegistry, silentLogger } from '@hookpipe/lib';
import { makeApp, type AppDeps } from './app.js';
import type { DeadLetterFilter } from './store/dead-letters-store.js';

const KEY = 'dashboard-test-key';
const unused = () => Promise.reject(new Error('not used by these tests'));

const STATE = { at: '2025-01-01T00:00:00.000Z', window_seconds: 0 } as unknown as DashboardState;

function testApp(dashboard: Partial<DashboardDeps> | null, lists: DeadLetterFilter[] = []) {
  const deps: AppDeps = {
    logger: silentLogger(),
    apiKeys: [KEY],
    registry: makeRegistry('dashboard-test'),
    events: { list: unused, get: unused, failures: () => Promise.resolve([]) },
    deadLetters: {
      list: (filter) => {
        lists.push(filter);
        return Promise.resolve({ data: [], next_cursor: null });
      },
      get: unused,
      openIds: unused,
      replay: unused,
    },
    secrets: { add: unused, list: unused, remove: unused },
    replay: unused,
    replayMax: 10,
    deadLetterPurge: { deadLetterIds: unused, purgeDeadLetters: unused },
    dbTotals: unused,
    pingDb: unused,
    lag: unused,
    consumerStatus: () => ({ running: true, joined: true, memberId: 'm', holds: [] }),
    counters: () => ({}),
    ...(dashboard === null
      ? {}
      : {
          dashboard: {
            sampler: { state: () => Promise.resolve(STATE) },
            assets: new Map([
              [
                'index.html',
                { body: Buffer.from('<!doctype html><title>t</title>'), type: 'text/html; charset=utf-8' },
              ],
              ['app.js', { body: Buffer.from('export {};'), type: 'text/javascript; charset=utf-8' }],
            ]),
            senderUrl: 'http://127.0.0.1:8080/',
            pollMs: 1500,
            ...dashboard,
          },
        }),
  };
  return makeApp(deps);
}

describe('the dashboard on the consumer', () => {
  it('serves the page, its files and its settings without a key', async () => {
    const app = testApp({});
    for (const p of ['/dashboard', '/dashboard/assets/app.js', '/dashboard/config.json'])
      expect((await app.request(p)).status, p).toBe(200);
    expect((await app.request('/dashboard/')).status).toBe(301);
    // A file it does not have is the dashboard's 404, not a 401.
    expect((await app.request('/dashboard/assets/nope.js')).status).toBe(404);
  });

  it('keeps GET /dashboard/state behind X-API-Key', async () => {
    const app = testApp({});
    const none = await app.request('/dashboard/state');
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({
      error: 'unauthorized',
      message: 'this route needs an X-API-Key header',
    });
    const wrong = await app.request('/dashboard/state', { headers: { 'X-API-Key': 'nope' } });
    expect(await wrong.json()).toEqual({ error: 'unauthorized', message: 'the X-API-Key is not valid' });
    const ok = await app.request('/dashboard/state', { headers: { 'X-API-Key': KEY } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('cache-control')).toBe('no-store');
    expect(await ok.json()).toEqual(STATE);
    expect(
      (await app.request('/dashboard/state', { method: 'POST', headers: { 'X-API-Key': KEY } })).status,
    ).toBe(405);
  });

  it('has no /dashboard when the consumer is built without one, and documents the state route', async () => {
    expect((await testApp(null).request('/dashboard')).status).toBe(401);
    const doc = (await (await testApp({}).request('/openapi.json')).json()) as {
      paths: Record<string, unknown>;
    };
    expect(doc.paths['/dashboard/state']).toBeDefined();
    expect(doc.paths['/dashboard']).toBeUndefined();
  });

  it('filters dead letters by webhook_id (the inspector’s lookup)', async () => {
    const lists: DeadLetterFilter[] = [];
    const app = testApp(null, lists);
    const res = await app.request('/dead-letters?webhook_id=msg_123&status=all', {
      headers: { 'X-API-Key': KEY },
    });
    expect(res.status).toBe(200);
    expect(lists[0]).toMatchObject({ webhookId: 'msg_123', status: 'all' });
    const bad = await app.request('/dead-letters?webhook_id=%20', { headers: { 'X-API-Key': KEY } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'validation_failed' });
  });
});
