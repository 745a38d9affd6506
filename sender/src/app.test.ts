import { afterAll, describe, expect, it } from 'vitest';
import { testApp, unreachablePool } from './testing/app.js';

// Everything here but the outage test is answered before the database is touched; a pool that
// cannot connect makes any other test that reaches it fail instead of passing by accident.
const pool = unreachablePool();
afterAll(() => pool.end());

const KEY = 'test-key-0123456789';
const app = testApp({ pool, apiKey: KEY });

const auth = { 'X-API-Key': KEY };
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  app.request(path, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const errorOf = async (res: Response) =>
  (await res.json()) as { error: string; message: string; details?: unknown };

describe('open routes', () => {
  it('GET /ping answers without a key', async () => {
    const res = await app.request('/ping');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ message: 'pong', service: 'sender' });
  });

  it('serves an OpenAPI 3 document built from the route schemas', async () => {
    const res = await app.request('/openapi.json');
    expect(res.status).toBe(200);
    type Schema = { properties?: Record<string, unknown>; oneOf?: Schema[] };
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { requestBody?: unknown; security?: unknown[] }>>;
      components: { schemas: Record<string, Schema> };
    };
    expect(doc.openapi).toMatch(/^3\./);
    for (const path of [
      '/register',
      '/',
      '/webhooks',
      '/webhooks/{id}',
      '/events',
      '/emitter/start',
      '/emitters',
    ]) {
      expect(Object.keys(doc.paths), path).toContain(path);
    }
    expect(doc.paths['/register']?.post?.requestBody).toBeDefined();
    expect(doc.paths['/webhooks']?.get?.security).toEqual([{ ApiKey: [] }]);
    // A registration is one of two objects (by the kind of secret); each lists every field.
    for (const branch of doc.components.schemas.CreateWebhook?.oneOf ?? [{}]) {
      expect(Object.keys(branch.properties ?? {})).toEqual(
        expect.arrayContaining(['customer_id', 'webhook_url', 'event_types']),
      );
    }
  });

  it('serves Swagger UI at /docs', async () => {
    const res = await app.request('/docs');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('/openapi.json');
  });
});

describe('management auth', () => {
  it('401 without X-API-Key, and with a wrong one', async () => {
    for (const headers of [{}, { 'X-API-Key': 'wrong-key-0123456789' }] as Record<string, string>[]) {
      const res = await app.request('/', { headers });
      expect(res.status).toBe(401);
      expect((await errorOf(res)).error).toBe('unauthorized');
    }
    expect((await app.request('/emitter/start?customer_id=a&webhook_id=b', { method: 'POST' })).status).toBe(
      401,
    );
  });
});

describe('validation', () => {
  it('400 naming the field for a bad URL, an empty customer and unknown fields', async () => {
    const res = await post('/register', { customer_id: '', webhook_url: 'localhost:8081', colour: 'red' });
    expect(res.status).toBe(400);
    const body = await errorOf(res);
    expect(body.error).toBe('validation_failed');
    expect(body.message).toContain('customer_id');
    expect(body.message).toContain('webhook_url');
    expect(body.details).toEqual(
      expect.arrayContaining([{ location: 'body', field: 'colour', message: 'unknown field' }]),
    );
  });

  it('400 for a target outside the allow-list', async () => {
    const res = await post('/webhooks', { customer_id: 'c', webhook_url: 'http://example.com/hook' });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toMatch(/webhook_url.*allow-list/);
  });

  it('400 for oversized fields', async () => {
    const res = await post('/register', { customer_id: 'x'.repeat(256), webhook_url: 'http://localhost/h' });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toContain('at most 255');
  });

  it('400 for a body that is not JSON, and for a missing body', async () => {
    const bad = await post('/register', '{"customer_id":');
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).error).toBe('invalid_json');
    const none = await app.request('/register', { method: 'POST', headers: auth });
    expect(none.status).toBe(400);
    expect((await errorOf(none)).error).toBe('body_required');
  });

  it('415 for a body in another media type', async () => {
    const res = await post('/register', '<xml/>', { 'content-type': 'application/xml' });
    expect(res.status).toBe(415);
  });

  it('413 for a request body over the limit', async () => {
    const res = await post('/events', { type: 'order.created', data: { pad: 'x'.repeat(200_000) } });
    expect(res.status).toBe(413);
    expect((await errorOf(res)).error).toBe('payload_too_large');
  });

  it('413 for event data over SENDER_MAX_EVENT_BYTES', async () => {
    const res = await post('/events', { type: 'order.created', data: { pad: 'x'.repeat(2000) } });
    expect(res.status).toBe(413);
    expect((await errorOf(res)).message).toContain('SENDER_MAX_EVENT_BYTES');
  });

  it('400 for bad event fields', async () => {
    const res = await post('/events', { type: 'Order Created', data: [], event_time: 'yesterday' });
    expect(res.status).toBe(400);
    const msg = (await errorOf(res)).message;
    expect(msg).toContain('type');
    expect(msg).toContain('data');
    expect(msg).toContain('event_time');
  });

  it('400 for bad emitter options, before looking anything up', async () => {
    const res = await app.request(
      '/emitter/start?customer_id=c&webhook_id=wh_01J9Z3Q4M8N6P2R5S7T9V1W3X5&rate=1000&fault_bad_signature=0.7&fault_oversized=1.5',
      { method: 'POST', headers: auth },
    );
    expect(res.status).toBe(400);
    const msg = (await errorOf(res)).message;
    expect(msg).toContain('rate');
    expect(msg).toContain('fault_oversized');
    // Shares adding up past 1 are no fault: a later share gets what the ones before it left.
    expect(msg).not.toContain('fault_bad_signature');
    const missing = await app.request('/emitter/start?customer_id=c', { method: 'POST', headers: auth });
    expect(missing.status).toBe(400);
    expect((await errorOf(missing)).message).toContain('webhook_id');
  });

  it('400 for a malformed webhook id in the path', async () => {
    const res = await app.request('/webhooks/42', { headers: auth });
    expect(res.status).toBe(400);
  });
});

describe('database outage', () => {
  it('503 with Retry-After when PostgreSQL cannot be reached: nothing accepted, try again', async () => {
    const res = await post('/events', { type: 'order.created', data: { a: 1 } });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('2');
    expect((await errorOf(res)).error).toBe('database_unavailable');
    expect((await app.request('/readyz')).status).toBe(503);
  });
});

describe('routing', () => {
  it('405 with Allow for a wrong method', async () => {
    const res = await app.request('/register', { method: 'GET', headers: auth });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect((await errorOf(res)).error).toBe('method_not_allowed');
  });

  it('404 in the error shape for an unknown route', async () => {
    const res = await app.request('/nope', { headers: auth });
    expect(res.status).toBe(404);
    expect((await errorOf(res)).error).toBe('not_found');
  });
});
