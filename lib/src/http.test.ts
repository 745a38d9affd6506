import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { silentLogger } from './logger.js';
import {
  ApiError,
  addMethodNotAllowed,
  apiKeyAuth,
  errorHandler,
  notFoundHandler,
  safeEqual,
} from './http.js';

function app() {
  const a = new Hono();
  a.use('*', apiKeyAuth({ keys: ['key-1', 'key-2'], open: ['/ping', '/docs*'] }));
  a.get('/ping', (c) => c.text('pong'));
  a.get('/docs/x', (c) => c.text('docs'));
  a.get('/things', (c) => c.json([]));
  a.post('/things', () => {
    throw new ApiError(409, 'conflict', 'already there', { id: 1 });
  });
  a.get('/things/:id', (c) => c.json({}));
  a.delete('/things/:id', (c) => c.body(null, 204));
  a.post('/things/purge', (c) => c.json({}));
  a.get('/boom', () => {
    throw new Error('secret internals');
  });
  a.notFound(notFoundHandler);
  a.onError(errorHandler(silentLogger()));
  addMethodNotAllowed(a);
  return a;
}

describe('http helpers', () => {
  it('lets open paths through and asks for a key elsewhere', async () => {
    expect((await app().request('/ping')).status).toBe(200);
    expect((await app().request('/docs/x')).status).toBe(200);
    const res = await app().request('/things');
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: 'unauthorized',
      message: 'this route needs an X-API-Key header',
    });
    expect((await app().request('/things', { headers: { 'x-api-key': 'nope' } })).status).toBe(401);
    expect((await app().request('/things', { headers: { 'x-api-key': 'key-2' } })).status).toBe(200);
  });

  it('turns ApiError into the shared JSON body and hides unexpected errors', async () => {
    const h = { 'x-api-key': 'key-1' };
    const conflict = await app().request('/things', { method: 'POST', headers: h });
    expect(conflict.status).toBe(409);
    expect(await conflict.json()).toEqual({
      error: 'conflict',
      message: 'already there',
      details: { id: 1 },
    });
    const boom = await app().request('/boom', { headers: h });
    expect(boom.status).toBe(500);
    expect(await boom.text()).not.toContain('secret internals');
  });

  it('answers 405 with Allow for a known path and 404 for an unknown one', async () => {
    const h = { 'x-api-key': 'key-1' };
    const res = await app().request('/things', { method: 'DELETE', headers: h });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD, POST');
    // A static path beside a parameter one gets its own Allow, whatever the order of registration.
    const purge = await app().request('/things/purge', { method: 'OPTIONS', headers: h });
    expect(purge.status).toBe(405);
    expect(purge.headers.get('allow')).toBe('POST');
    const one = await app().request('/things/7', { method: 'POST', headers: h });
    expect(one.headers.get('allow')).toBe('DELETE, GET, HEAD');
    const missing = await app().request('/nothing', { headers: h });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'not_found' });
  });

  it('compares strings in constant time regardless of length', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abcd')).toBe(false);
  });
});
