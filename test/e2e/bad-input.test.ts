import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSecret, signatureHeaders } from '@hookpipe/lib';
import { getTestEnv, type TestEnv } from '../env.js';
import { database } from '../support/http.js';
import { pollUntil, unique } from '../support/poll.js';
import { newWebhook, type Webhook } from './scenario.js';

let env: TestEnv;
let w: Webhook;
let receiverDb: ReturnType<typeof database>;
beforeAll(async () => {
  env = await getTestEnv();
  w = await newWebhook(env, 'bad-input');
  receiverDb = database(env.databaseUrl);
});
afterAll(async () => {
  await receiverDb?.end();
});

const now = () => Math.floor(Date.now() / 1000);
const event = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'order.created', timestamp: new Date().toISOString(), data: { n: 1 }, ...extra });

interface Attempt {
  headers: Record<string, string>;
  body: string | Buffer;
}

function signed(
  body: string | Buffer,
  options: { id?: string; timestamp?: number; secret?: string } = {},
): Attempt {
  return {
    body,
    headers: {
      'content-type': 'application/json',
      ...signatureHeaders({
        id: options.id ?? unique('msg_bad'),
        timestamp: options.timestamp ?? now(),
        body,
        secrets: options.secret ?? w.secret,
      }),
    },
  };
}

async function post(a: Attempt) {
  const res = await fetch(`${env.ingressUrl}/webhook`, { method: 'POST', headers: a.headers, body: a.body });
  const text = await res.text();
  return {
    status: res.status,
    json: JSON.parse(text) as { error?: string; message?: string },
    headers: res.headers,
  };
}

const customerRows = () =>
  receiverDb.query<{ webhook_id: string; payload: unknown }>(
    'SELECT webhook_id, payload FROM events WHERE customer_id = $1 ORDER BY persisted_at',
    [w.customerId],
  );

describe('the bad-input matrix through nginx', () => {
  it('answers each bad request with its documented status and JSON error, and nothing new reaches events', async () => {
    const control = signed(event({ data: { control: true } }));
    const controlId = control.headers['webhook-id']!;
    expect((await post(control)).status).toBe(202);
    await pollUntil(async () => (await customerRows()).length === 1, {
      timeoutMs: 30_000,
      what: 'the control event',
    });

    const big = Buffer.alloc(300 * 1024, 'a');
    const cases: [string, Attempt, number, string][] = [
      ['bad signature', signed(event(), { secret: generateSecret() }), 401, 'invalid_signature'],
      ['stale timestamp', signed(event(), { timestamp: now() - 600 }), 401, 'timestamp_out_of_tolerance'],
      ['future timestamp', signed(event(), { timestamp: now() + 600 }), 401, 'timestamp_out_of_tolerance'],
      [
        'missing signature headers',
        { headers: { 'content-type': 'application/json' }, body: event() },
        400,
        'missing_signature_headers',
      ],
      [
        'garbled signature',
        { ...signed(event()), headers: { ...signed(event()).headers, 'webhook-signature': 'v1,@@@' } },
        400,
        'malformed_signature_headers',
      ],
      [
        'oversized body',
        signed(Buffer.concat([Buffer.from('{"type":"a.b","data":{},"pad":"'), big, Buffer.from('"}')])),
        413,
        'payload_too_large',
      ],
      ['malformed JSON', signed('{"type":"order.created","data":'), 400, 'invalid_json'],
      ['not the event shape', signed(JSON.stringify({ hello: 'world' })), 400, 'invalid_event'],
      [
        'wrong content type',
        { ...signed(event()), headers: { ...signed(event()).headers, 'content-type': 'text/plain' } },
        415,
        'unsupported_media_type',
      ],
    ];
    for (const [name, attempt, status, code] of cases) {
      const res = await post(attempt);
      expect(res.status, name).toBe(status);
      expect(res.json, name).toMatchObject({ error: code, message: expect.any(String) });
    }

    // A replayed webhook-id with a fresh signature (and a different body) is accepted, as an
    // honest retry must be, and the receiver keeps the first one: no second row, no overwrite.
    const replay = signed(event({ data: { replayed: true } }), { id: controlId, timestamp: now() });
    expect((await post(replay)).status).toBe(202);

    // A sentinel sent last, on the same key and so the same partition: once it is stored,
    // everything sent before it has been processed.
    const sentinel = signed(event({ data: { sentinel: true } }));
    expect((await post(sentinel)).status).toBe(202);
    await pollUntil(async () => (await customerRows()).length >= 2, {
      timeoutMs: 30_000,
      what: 'the sentinel',
    });
    const rows = await customerRows();
    expect(rows.map((r) => r.webhook_id)).toEqual([controlId, sentinel.headers['webhook-id']]);
    expect(rows[0]!.payload).toMatchObject({ data: { control: true } });
  });
});
