import { afterAll, describe, expect, it } from 'vitest';
import { testApp, unreachablePool } from '../testing/app.js';

// Every answer here comes before the database is touched: a pool that cannot connect makes a
// test that reaches it fail instead of passing by accident.
const pool = unreachablePool();
afterAll(() => pool.end());

const KEY = 'test-key-0123456789';
const app = testApp({ pool, apiKey: KEY });
const send = (method: string, path: string, body?: unknown) =>
  app.request(path, {
    method,
    headers: { 'X-API-Key': KEY, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
const errorOf = async (res: Response) =>
  (await res.json()) as { error: string; message: string; details?: { field: string; message: string }[] };

describe('/operational-webhooks input', () => {
  it('an unknown event type is a 422 naming the field and the allowed values', async () => {
    const res = await send('POST', '/operational-webhooks', {
      url: 'http://localhost:9000/ops',
      event_types: ['endpoint.disabled', 'order.created'],
    });
    expect(res.status).toBe(422);
    const err = await errorOf(res);
    expect(err.error).toBe('validation_failed');
    expect(err.details).toEqual([
      {
        location: 'body',
        field: 'event_types.1',
        message: 'must be one of *, endpoint.disabled, endpoint.enabled, message.attempt.exhausted',
      },
    ]);
  });

  it('the same on PATCH', async () => {
    const res = await send('PATCH', '/operational-webhooks/opwh_01J9Z3Q4M8N6P2R5S7T9V1W3X5', {
      event_types: ['dead_letter.created'],
    });
    expect(res.status).toBe(422);
    expect((await errorOf(res)).message).toMatch(/event_types\.0: must be one of/);
  });

  it.each([
    [{ event_types: [] }, 'url'],
    [{ url: 'ftp://localhost/x' }, 'url'],
    [{ url: 'http://evil.example.com/x' }, 'url'],
    [{ url: 'http://localhost/x', event_types: [] }, 'event_types'],
    [{ url: 'http://localhost/x', secret: 'short' }, 'secret'],
    [{ url: 'http://localhost/x', signature_scheme: 'md5' }, 'signature_scheme'],
    [{ url: 'http://localhost/x', customer_id: 'acme' }, 'customer_id'],
  ])('%j is a 400 naming %s', async (body, field) => {
    const res = await send('POST', '/operational-webhooks', body);
    expect(res.status).toBe(400);
    const err = await errorOf(res);
    expect(err.error).toBe('validation_failed');
    expect(err.details?.map((d) => d.field)).toContain(field);
  });

  it('a customer webhook id is not an operational one (400), and the other way round', async () => {
    expect((await send('GET', '/operational-webhooks/wh_01J9Z3Q4M8N6P2R5S7T9V1W3X5')).status).toBe(400);
    expect((await send('GET', '/webhooks/opwh_01J9Z3Q4M8N6P2R5S7T9V1W3X5')).status).toBe(400);
  });

  it('an empty PATCH is a 400', async () => {
    const res = await send('PATCH', '/operational-webhooks/opwh_01J9Z3Q4M8N6P2R5S7T9V1W3X5', {});
    expect(res.status).toBe(400);
  });

  it('needs an API key', async () => {
    expect((await app.request('/operational-webhooks')).status).toBe(401);
  });
});

describe('the OpenAPI document', () => {
  it('lists the operations and each event type’s payload under `webhooks`', async () => {
    const doc = (await (await app.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { description?: string }>>;
      webhooks: Record<string, { post: { requestBody: { content: Record<string, { schema: unknown }> } } }>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    expect(Object.keys(doc.paths['/operational-webhooks'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/operational-webhooks/{id}'] ?? {}).sort()).toEqual([
      'delete',
      'get',
      'patch',
    ]);
    expect(doc.paths['/operational-webhooks/{id}/deliveries']?.get).toBeDefined();
    expect(doc.paths['/operational-webhooks']?.post?.description).toMatch(/Scope: `admin`/);
    expect(Object.keys(doc.webhooks).sort()).toEqual([
      'endpoint.disabled',
      'endpoint.enabled',
      'message.attempt.exhausted',
    ]);
    const body = doc.webhooks['endpoint.disabled']!.post.requestBody.content['application/json']!.schema;
    expect(body).toEqual({ $ref: '#/components/schemas/OperationalEvent_endpoint_disabled' });
    expect(Object.keys(doc.components.schemas.OperationalEvent_endpoint_disabled?.properties ?? {})).toEqual([
      'type',
      'timestamp',
      'data',
    ]);
  });
});
