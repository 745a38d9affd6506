import { OpenAPIHono } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { setIdentity } from '@hookpipe/lib/api';
import { errorHandler, notFoundHandler, silentLogger } from '@hookpipe/lib';
import { registerDashboardRoutes, type DashboardDeps } from './routes.js';
import type { DashboardState } from './state.js';

const STATE = { at: '2025-01-01T00:00:00.000Z', window_seconds: 0 } as unknown as DashboardState;

/** The routes alone, as a host app mounts them; who needs a key is the host's rule (consumer/src/app.ts). */
function testApp(dashboard: Partial<DashboardDeps> = {}) {
  const app = new OpenAPIHono();
  // The routes alone: the caller is taken for an admin, as the host app's key check would set.
  app.use(async (c, next) => {
    setIdentity(c, { id: null, name: 'test', scopes: ['admin'] });
    await next();
  });
  registerDashboardRoutes(app, {
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
  });
  app.doc('/openapi.json', { openapi: '3.0.0', info: { title: 't', version: '0' } });
  app.notFound(notFoundHandler);
  app.onError(errorHandler(silentLogger()));
  return app;
}

describe('dashboard routes', () => {
  it('serves the page and its files, with a CSP that allows only itself and the sender', async () => {
    const app = testApp();
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
    const app = testApp();
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

  it('answers GET /dashboard/state with the sampler’s state, never cached', async () => {
    const ok = await testApp().request('/dashboard/state');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('cache-control')).toBe('no-store');
    expect(await ok.json()).toEqual(STATE);
  });

  it('documents the state route with the API kit’s key scheme, and not the page', async () => {
    const doc = (await (await testApp().request('/openapi.json')).json()) as {
      paths: Record<string, { get?: { security?: unknown; responses?: Record<string, unknown> } }>;
    };
    expect(doc.paths['/dashboard/state']?.get?.security).toEqual([{ ApiKey: [] }]);
    expect(doc.paths['/dashboard/state']?.get?.responses?.['401']).toMatchObject({
      description: expect.stringMatching(/X-API-Key/) as unknown,
    });
    expect(doc.paths['/dashboard']).toBeUndefined();
  });
});
