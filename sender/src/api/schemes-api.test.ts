import { afterAll, describe, expect, it } from 'vitest';
import { testApp, unreachablePool } from '../testing/app.js';

// Each answer here comes before the database is touched (the pool cannot connect).
const pool = unreachablePool();
afterAll(() => pool.end());

const KEY = 'test-key-0123456789';
const app = testApp({ pool, apiKey: KEY });
const post = (path: string, body: unknown) =>
  app.request(path, {
    method: 'POST',
    headers: { 'X-API-Key': KEY, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const answer = async (res: Response) =>
  (await res.json()) as {
    error: string;
    message: string;
    details?: { location: string; field: string; message: string }[];
  };

const hook = { customer_id: 'acme', webhook_url: 'http://127.0.0.1:9000/hook' };

describe('registration with a scheme and an own secret', () => {
  it('refuses a secret of the wrong shape for its scheme, naming the field', async () => {
    for (const [scheme, secret, why] of [
      ['standard-webhooks', 'my plain secret 123', /whsec_/],
      ['github', 'short', /16-256 printable ASCII/],
      ['stripe', 'tab\tinside a long secret', /16-256 printable ASCII/],
    ] as const) {
      const res = await post('/webhooks', { ...hook, signature_scheme: scheme, secret });
      expect(res.status, scheme).toBe(400);
      expect((await answer(res)).details).toEqual([
        { location: 'body', field: 'secret', message: expect.stringMatching(why) },
      ]);
    }
  });

  it('refuses an unknown scheme and a static payload over 64 KiB', async () => {
    const scheme = await post('/register', { ...hook, signature_scheme: 'paypal' });
    expect(scheme.status).toBe(400);
    expect((await answer(scheme)).details?.[0]?.field).toBe('signature_scheme');
    const big = await post('/webhooks', { ...hook, payload: { blob: 'x'.repeat(64 * 1024 + 100) } });
    expect(big.status).toBe(400);
    expect((await answer(big)).details?.[0]).toMatchObject({
      field: 'payload',
      message: /at most 65536 bytes/,
    });
  });
});

describe('POST /event-types', () => {
  it('is 400 naming schema, with ajv’s reason and the path, for a schema that is not one', async () => {
    const res = await post('/event-types', {
      type: 'ticket.opened',
      schema: { type: 'object', properties: { n: { minimum: 'one' } } },
    });
    expect(res.status).toBe(400);
    const a = await answer(res);
    expect(a.details).toEqual([
      {
        location: 'body',
        field: 'schema',
        message: expect.stringMatching(
          /^is not a valid JSON Schema: \/properties\/n\/minimum must be number/,
        ),
      },
    ]);
  });

  it('is 400 for a schema no valid data comes from, or one that is not an object', async () => {
    const never = await post('/event-types', {
      type: 'ticket.never',
      schema: { type: 'object', required: ['a'], properties: { a: false } },
    });
    expect(never.status).toBe(400);
    expect((await answer(never)).details?.[0]?.field).toBe('schema');
    const list = await post('/event-types', { type: 'ticket.list', schema: { type: 'array' } });
    expect((await answer(list)).details?.[0]).toMatchObject({ field: 'schema', message: /JSON object/ });
  });

  it('is 409 for a built-in name and 400 for a name with a space', async () => {
    const builtin = await post('/event-types', { type: 'order.paid', schema: { type: 'object' } });
    expect(builtin.status).toBe(409);
    expect(await answer(builtin)).toMatchObject({ error: 'event_type_exists' });
    const spaced = await post('/event-types', { type: 'ticket opened', schema: { type: 'object' } });
    expect(spaced.status).toBe(400);
    expect((await answer(spaced)).details?.[0]?.field).toBe('type');
  });
});

describe('the OpenAPI document', () => {
  it('shows the scheme, the own secret, the static payload and the event catalog routes', async () => {
    type Schema = { properties?: Record<string, { enum?: string[] }>; oneOf?: Schema[] };
    const doc = (await (await app.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, Schema> };
    };
    // One object per kind of secret (whsec_, or printable for github and stripe).
    const branches = doc.components.schemas.CreateWebhook?.oneOf ?? [];
    expect(branches).toHaveLength(2);
    for (const branch of branches) {
      expect(Object.keys(branch.properties ?? {})).toEqual(
        expect.arrayContaining(['signature_scheme', 'secret', 'payload']),
      );
    }
    expect(doc.components.schemas.Webhook?.properties?.signature_scheme?.enum).toEqual([
      'standard-webhooks',
      'github',
      'stripe',
    ]);
    expect(Object.keys(doc.paths['/event-types'] ?? {})).toEqual(expect.arrayContaining(['get', 'post']));
  });
});
