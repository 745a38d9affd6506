import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeRegistry, silentLogger } from '@hookpipe/lib';
import { makeApp, type AppDeps } from '../app.js';
import type { DeadLetterFilter } from '../store/dead-letters-store.js';
import { loadDashboardAssets, type DashboardDeps } from './routes.js';
import type { DashboardState } from './state.js';
import { DEFAULT_ASSETS_DIR } from './wire.js';

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

describe('dashboard routes', () => {
  it('serves the page and its files without a key, with a CSP that allows only itself and the sender', async () => {
    const app = testApp({});
    const page = await app.request('/dashboard');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self' http://127.0.0.1:8080;");
    expect(csp).not.toContain('unsafe-inline');
    expect(await page.text()).toContain('<title>t</title>');

    const js = await app.request('/dashboard/assets/app.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('x-content-type-options')).toBe('nosniff');

    expect((await app.request('/dashboard/')).headers.get('location')).toBe('/dashboard');
    expect(await (await app.request('/dashboard/config.json')).json()).toEqual({
      sender_url: 'http://127.0.0.1:8080',
      poll_ms: 1500,
    });
  });

  it('answers a file it does not have, or a path outside the folder, with a JSON 404', async () => {
    const app = testApp({});
    for (const p of [
      '/dashboard/assets/nope.js',
      '/dashboard/assets/..%2Fpackage.json',
      '/dashboard/assets/index.html',
    ]) {
      const res = await app.request(p);
      expect(res.status, p).toBe(404);
      expect(await res.json()).toMatchObject({ error: 'not_found' });
    }
    const empty = await testApp({ assets: new Map() }).request('/dashboard');
    expect(empty.status).toBe(404);
    expect(await empty.json()).toMatchObject({ message: expect.stringContaining('dashboard/ folder') });
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

describe("the repository's dashboard/ folder", () => {
  const assets = loadDashboardAssets(DEFAULT_ASSETS_DIR);

  it('holds the page, and every file the page and its modules load', () => {
    expect([...assets.keys()]).toEqual(expect.arrayContaining(['index.html', 'app.js', 'dashboard.css']));
    const html = assets.get('index.html')!.body.toString();
    const referenced = [...html.matchAll(/(?:src|href)="\/dashboard\/assets\/([^"]+)"/g)].map((m) => m[1]!);
    for (const [name, asset] of assets) {
      if (!name.endsWith('.js')) continue;
      referenced.push(...[...asset.body.toString().matchAll(/from '\.\/([^']+)'/g)].map((m) => m[1]!));
    }
    expect(referenced.length).toBeGreaterThan(5);
    for (const name of referenced) expect(assets.has(name), name).toBe(true);
  });

  it('has no inline script or style the CSP would block, and never writes HTML from data', () => {
    const html = readFileSync(path.join(DEFAULT_ASSETS_DIR, 'index.html'), 'utf8');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle="/);
    expect(html).not.toMatch(/\son[a-z]+="/);
    for (const [name, asset] of assets) {
      if (name.endsWith('.js'))
        expect(asset.body.toString(), name).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML/);
    }
  });
});
