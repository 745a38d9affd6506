import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTestEnv, type TestEnv } from '../env.js';
import {
  emitterOf,
  pollUntil,
  register,
  senderApi,
  startReceiver,
  unique,
  type SenderApi,
} from './support.js';

let env: TestEnv;
let api: SenderApi;
let rx: Awaited<ReturnType<typeof startReceiver>>;
const created: string[] = [];

beforeAll(async () => {
  env = await getTestEnv();
  api = senderApi(env);
  rx = await startReceiver(() => ({ status: 204 }));
});

afterAll(async () => {
  for (const id of created) await api.delete(`/webhooks/${id}`).catch(() => undefined);
  await rx?.close();
});

const SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  required: ['invoice_id', 'amount_due', 'currency', 'customer', 'lines', 'finalized_at'],
  additionalProperties: true,
  properties: {
    invoice_id: { type: 'string', pattern: '^in_[A-Za-z0-9]{14}$' },
    amount_due: { type: 'integer', minimum: 100, maximum: 100000 },
    currency: { enum: ['usd', 'eur', 'chf'] },
    customer: {
      type: 'object',
      required: ['email', 'name'],
      properties: {
        email: { type: 'string', format: 'email' },
        name: { type: 'string', faker: 'person.fullName' },
      },
    },
    lines: {
      type: 'array',
      minItems: 1,
      maxItems: 3,
      items: {
        type: 'object',
        required: ['sku', 'quantity'],
        properties: {
          sku: { type: 'string', minLength: 4, maxLength: 12 },
          quantity: { type: 'integer', minimum: 1 },
        },
      },
    },
    finalized_at: { type: 'string', format: 'date-time' },
    tenant: { type: 'string' },
  },
};

describe('event types defined by a JSON Schema', () => {
  it('refuses what cannot be a catalog type, naming the field', async () => {
    const bad = await api.post('/event-types', { type: unique('bad.schema'), schema: { type: 'objec' } });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error: 'validation_failed', details: [{ field: 'schema' }] });
    expect(JSON.stringify(bad.json)).toMatch(/must be equal to one of the allowed values/);
    const notObject = await api.post('/event-types', {
      type: unique('bad.string'),
      schema: { type: 'string' },
    });
    expect(notObject.status).toBe(400);
    expect(JSON.stringify(notObject.json)).toMatch(/JSON object/);
    const impossible = await api.post('/event-types', {
      type: unique('bad.impossible'),
      schema: {
        type: 'object',
        required: ['n'],
        properties: { n: { type: 'integer', minimum: 5, maximum: 1 } },
      },
    });
    expect(impossible.status).toBe(400);
    const builtin = await api.post('/event-types', { type: 'order.created', schema: { type: 'object' } });
    expect(builtin.status).toBe(409);
    const spaced = await api.post('/event-types', { type: 'has space', schema: { type: 'object' } });
    expect(spaced.status).toBe(400);
  });

  it('generates 500 emitted events valid against the schema, the static payload merged', async () => {
    const type = unique('invoice.finalized');
    const defined = await api.post('/event-types', {
      type,
      description: 'An invoice was finalized.',
      schema: SCHEMA,
    });
    expect(defined.status).toBe(201);
    expect(defined.json).toMatchObject({ type, builtin: false, schema: SCHEMA });
    expect((await api.post('/event-types', { type, schema: SCHEMA })).status).toBe(409);
    const listed = (await api.get('/event-types')).json.event_types as { type: string; builtin: boolean }[];
    expect(listed.find((t) => t.type === type)).toMatchObject({ builtin: false });
    expect(listed.find((t) => t.type === 'order.created')).toMatchObject({ builtin: true });

    const customer = unique('event-types');
    const payload = { tenant: 'acme', customer: { name: 'Fixed Name' } };
    const wh = await register(api, { customer_id: customer, webhook_url: rx.url, payload });
    created.push(wh.webhook_id);

    // Unknown types and data the schema refuses conflict with the catalog (409) before anything is sent.
    const q = `customer_id=${encodeURIComponent(customer)}&webhook_id=${wh.webhook_id}`;
    const unknown = await api.post(`/emitter/start?${q}`, { event_types: [unique('no.such.type')] });
    expect(unknown.status).toBe(409);
    expect(JSON.stringify(unknown.json)).toMatch(/unknown event type/);
    expect(unknown.json.error).toBe('unknown_event_type');
    const refused = await api.post(`/webhooks/${wh.webhook_id}/trigger`, {
      type,
      overrides: { amount_due: 5 },
    });
    expect(refused.status).toBe(409);
    expect(JSON.stringify(refused.json)).toMatch(/amount_due/);
    expect(refused.json.error).toBe('event_data_invalid');
    expect((await api.post(`/webhooks/${wh.webhook_id}/trigger`, { type: unique('nope') })).status).toBe(409);

    const started = await api.post(`/emitter/start?${q}`, { event_types: [type], count: 500, rate: 250 });
    expect(started.status).toBe(201);
    const done = await pollUntil(
      async () => {
        const e = await emitterOf(api, wh.webhook_id);
        return e.status === 'completed' && e.counters.pending === 0 ? e : null;
      },
      { timeoutMs: 90_000, what: 'the 500 events to be delivered' },
    );
    expect(done.counters.delivered).toBe(500);

    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormatsModule.default(ajv);
    const validate = ajv.compile(SCHEMA);
    const bodies = rx.seen.map(
      (s) => JSON.parse(s.body.toString()) as { type: string; data: Record<string, unknown> },
    );
    expect(new Set(rx.seen.map((s) => s.id)).size).toBe(500);
    for (const b of bodies) {
      expect(b.type).toBe(type);
      expect(validate(b.data), JSON.stringify(validate.errors)).toBe(true);
      expect(b.data.tenant).toBe('acme');
      expect(b.data.customer).toMatchObject({ name: 'Fixed Name', email: expect.any(String) });
    }
    // Generated, not repeated: the ids differ from event to event.
    expect(new Set(bodies.map((b) => b.data.invoice_id)).size).toBeGreaterThan(450);
  });
});
