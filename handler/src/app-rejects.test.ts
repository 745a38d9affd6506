import { beforeEach, describe, expect, it } from 'vitest';
import { legacySignature, signatureHeaders } from '@hookpipe/lib';
import {
  T0,
  eventBody,
  expectError,
  harness,
  post,
  secretA,
  secretB,
  signed,
  stranger,
  type Harness,
} from './testing/harness.js';

// Every row: the documented status and error code, a message naming the problem, and nothing
// handed to Kafka.
describe('POST /webhook refuses bad input and forwards nothing', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });

  it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'])(
    '400 when %s is missing',
    async (name) => {
      const msg = signed();
      const headers = { ...msg.headers };
      delete headers[name];
      await expectError(await post(h, msg.body, headers), 400, 'missing_signature_headers', new RegExp(name));
      expect(h.records).toHaveLength(0);
    },
  );

  it.each([
    ['webhook-signature', 'v1,not base64!!', /webhook-signature/],
    ['webhook-signature', 'v1', /webhook-signature/],
    ['webhook-signature', 'v1,' + Buffer.alloc(16).toString('base64'), /webhook-signature/],
    ['webhook-signature', 'v2,' + Buffer.alloc(32).toString('base64'), /webhook-signature/],
    ['webhook-timestamp', '17e8', /webhook-timestamp/],
    ['webhook-timestamp', '-5', /webhook-timestamp/],
    ['webhook-id', 'has spaces in it', /webhook-id/],
  ])('400 when %s is garbled (%s)', async (name, value, mentions) => {
    const msg = signed();
    const res = await post(h, msg.body, { ...msg.headers, [name]: value });
    await expectError(res, 400, 'malformed_signature_headers', mentions);
    expect(h.records).toHaveLength(0);
  });

  it('401 for a signature by an unknown secret', async () => {
    const msg = signed({ secrets: stranger });
    const res = await post(h, msg.body, msg.headers);
    await expectError(res, 401, 'invalid_signature', /no signature matches/);
    expect(res.headers.get('www-authenticate')).toBe('Webhook-Signature');
    expect(h.records).toHaveLength(0);
  });

  it('401 when the body, id or timestamp was changed after signing', async () => {
    const msg = signed();
    const tampered = [
      post(h, msg.body.replace('"n":1', '"n":2'), msg.headers),
      post(h, msg.body, { ...msg.headers, 'webhook-id': 'msg_other' }),
      post(h, msg.body, { ...msg.headers, 'webhook-timestamp': String(T0 / 1000 + 1) }),
    ];
    for (const res of await Promise.all(tampered)) await expectError(res, 401, 'invalid_signature');
    expect(h.records).toHaveLength(0);
  });

  it('401 for a timestamp outside the tolerance', async () => {
    const msg = signed({ timestamp: T0 / 1000 - 3600 });
    await expectError(await post(h, msg.body, msg.headers), 401, 'timestamp_out_of_tolerance', /300 s/);
    expect(h.records).toHaveLength(0);
  });

  it('413 for a body over the limit, declared or streamed', async () => {
    const big = eventBody({ pad: 'x'.repeat(2000) });
    const msg = signed({ body: big });
    const length = String(Buffer.byteLength(big));
    const declared = await post(h, msg.body, { ...msg.headers, 'content-length': length });
    const json = await expectError(declared, 413, 'payload_too_large', /1024 bytes/);
    expect(json).toMatchObject({ details: { limit: 1024, declared: Buffer.byteLength(big) } });
    // No Content-Length: the limit still holds while streaming.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 8; i++) controller.enqueue(Buffer.from(big.slice(i * 300, (i + 1) * 300)));
        controller.close();
      },
    });
    const streamed = await h.app.request('/webhook', {
      method: 'POST',
      body: stream,
      headers: msg.headers,
      duplex: 'half',
    });
    await expectError(streamed, 413, 'payload_too_large');
    expect(h.records).toHaveLength(0);
  });

  it('415 for a missing or wrong content type', async () => {
    const msg = signed();
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonx']) {
      const res = await post(h, msg.body, { ...msg.headers, 'content-type': type });
      await expectError(res, 415, 'unsupported_media_type', new RegExp(type.replace('/', '\\/')));
    }
    const headers: Record<string, string> = { ...msg.headers };
    delete headers['content-type'];
    const res = await post(h, new Blob([msg.body]), headers);
    await expectError(res, 415, 'unsupported_media_type', /none/);
    expect(h.records).toHaveLength(0);
  });

  it.each([
    ['not JSON', '{"type": "order.created",', 'invalid_json', /not JSON/],
    ['empty', '', 'invalid_json', /not JSON/],
    ['a JSON array', '[1,2]', 'invalid_event', /JSON object/],
    ['a JSON string', '"hello"', 'invalid_event', /JSON object/],
    ['without type', JSON.stringify({ timestamp: 't', data: {} }), 'invalid_event', /type/],
    ['with an empty type', JSON.stringify({ type: '', timestamp: 't', data: {} }), 'invalid_event', /type/],
    ['without timestamp', JSON.stringify({ type: 'a', data: {} }), 'invalid_event', /timestamp/],
    ['with data an array', JSON.stringify({ type: 'a', timestamp: 't', data: [] }), 'invalid_event', /data/],
  ])('400 for a signed body that is %s', async (_name, body, code, mentions) => {
    const msg = signed({ body });
    await expectError(await post(h, msg.body, msg.headers), 400, code, mentions);
    expect(h.records).toHaveLength(0);
  });

  it('400 for a signed body that is not UTF-8', async () => {
    const body = Buffer.concat([
      Buffer.from('{"type":"a","timestamp":"t","data":{"s":"'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}}'),
    ]);
    const headers = signatureHeaders({ id: 'msg_utf8', timestamp: T0 / 1000, body, secrets: secretA });
    const res = await post(h, new Blob([body]), { ...headers, 'content-type': 'application/json' });
    await expectError(res, 400, 'invalid_json', /UTF-8/);
    expect(h.records).toHaveLength(0);
  });

  it('lists every shape problem in details', async () => {
    const msg = signed({ body: JSON.stringify({ data: 5 }) });
    const json = await expectError(await post(h, msg.body, msg.headers), 400, 'invalid_event');
    expect((json as { details?: unknown }).details).toEqual([
      { field: 'type', problem: 'must be a non-empty string' },
      { field: 'timestamp', problem: 'must be a string (RFC 3339)' },
      { field: 'data', problem: 'must be a JSON object' },
    ]);
  });

  it('404 for an unknown route and 405 with Allow for a wrong method', async () => {
    await expectError(await h.app.request('/nope', { method: 'POST' }), 404, 'not_found', /\/nope/);
    const res = await h.app.request('/webhook', { method: 'GET' });
    await expectError(res, 405, 'method_not_allowed', /GET/);
    expect(res.headers.get('allow')).toBe('POST');
    expect((await h.app.request('/webhook', { method: 'PUT' })).status).toBe(405);
  });

  it('counts verification failures by reason in /metrics', async () => {
    const msg = signed({ secrets: stranger });
    await post(h, msg.body, msg.headers);
    const headers: Record<string, string> = { ...msg.headers };
    delete headers['webhook-id'];
    await post(h, msg.body, headers);
    const text = await h.metrics();
    expect(text).toMatch(
      /hookpipe_handler_verification_failures_total\{reason="no_matching_signature"[^}]*\} 1/,
    );
    expect(text).toMatch(/hookpipe_handler_verification_failures_total\{reason="missing_headers"[^}]*\} 1/);
    expect(text).toMatch(/hookpipe_handler_requests_total\{outcome="unauthorized"[^}]*\} 1/);
    expect(text).toMatch(/hookpipe_handler_requests_total\{outcome="bad_request"[^}]*\} 1/);
  });
});

describe('rate limit per customer', () => {
  it('429 with Retry-After past the burst; other customers unaffected; tokens refill with the clock', async () => {
    const h = await harness({ rate: 2, burst: 3 });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const msg = signed();
      statuses.push((await post(h, msg.body, msg.headers)).status);
    }
    expect(statuses).toEqual([202, 202, 202, 429]);
    const limited = signed();
    const res = await post(h, limited.body, limited.headers);
    await expectError(res, 429, 'rate_limited', /acme/);
    expect(res.headers.get('retry-after')).toBe('1');
    const other = signed({ secrets: secretB });
    expect((await post(h, other.body, other.headers)).status).toBe(202);
    h.now.ms += 500; // one token at 2/s
    const later = signed({ timestamp: Math.floor(h.now.ms / 1000) });
    expect((await post(h, later.body, later.headers)).status).toBe(202);
    expect(h.records.map((r) => r.key)).toEqual(['acme', 'acme', 'acme', 'globex', 'acme']);
  });
});

describe('503 + Retry-After instead of a 2xx whenever Kafka has not acknowledged', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });

  it.each([
    ['queue_full', 'overloaded'],
    ['timeout', 'kafka_timeout'],
    ['closed', 'shutting_down'],
  ] as const)('submit outcome %s → %s', async (reason, code) => {
    h.state.outcome = { ok: false, reason };
    const msg = signed();
    const res = await post(h, msg.body, msg.headers);
    await expectError(res, 503, code, /retry later/);
    expect(res.headers.get('retry-after')).toBe('2');
  });

  it('a failed send → kafka_unavailable', async () => {
    h.state.outcome = { ok: false, reason: 'failed', error: new Error('broker gone') };
    const msg = signed();
    const res = await post(h, msg.body, msg.headers);
    await expectError(res, 503, 'kafka_unavailable');
    expect(res.headers.get('retry-after')).toBe('2');
  });

  it('no producer connected → 503 at once, nothing queued', async () => {
    h.state.kafkaReady = false;
    const msg = signed();
    await expectError(await post(h, msg.body, msg.headers), 503, 'kafka_unavailable', /Kafka/);
    expect(h.records).toHaveLength(0);
    const ready = await h.app.request('/readyz');
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({
      status: 'not_ready',
      checks: { keyring: true, kafka: false, accepting: true },
    });
  });

  it('keyring not loaded yet → 503 (and not ready)', async () => {
    const cold = await harness({ load: false });
    const msg = signed();
    await expectError(await post(cold, msg.body, msg.headers), 503, 'keyring_unavailable');
    expect((await cold.app.request('/readyz')).status).toBe(503);
    await cold.keyring.reload();
    expect((await cold.app.request('/readyz')).status).toBe(200);
  });

  it('draining: still serves the request, with Connection: close so nginx does not reuse the connection', async () => {
    h.state.draining = true;
    const msg = signed();
    const res = await post(h, msg.body, msg.headers);
    expect(res.status).toBe(202);
    expect(res.headers.get('connection')).toBe('close');
  });
});

describe('legacy x-webhook-signature (the seed scheme)', () => {
  const legacyBody = JSON.stringify({
    event_id: 'evt_legacy_1',
    event_type: 'PAID',
    timestamp: '2030-01-01T12:00:00Z',
    data: { invoice_id: 'inv_1' },
  });
  const legacyHeaders = (secret: string) => ({
    'content-type': 'application/json',
    'x-webhook-signature': legacySignature(secret, legacyBody),
  });

  it('is refused when off (the default)', async () => {
    const h = await harness();
    await expectError(await post(h, legacyBody, legacyHeaders(secretA)), 400, 'missing_signature_headers');
    expect(h.records).toHaveLength(0);
  });

  it('when on, is accepted with the body event_id as webhook-id and no webhook-timestamp header', async () => {
    const h = await harness({ legacy: true });
    const res = await post(h, legacyBody, legacyHeaders(secretA));
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ status: 'accepted', webhook_id: 'evt_legacy_1' });
    expect(h.records[0]!.headers).toMatchObject({ 'webhook-id': 'evt_legacy_1', 'event-type': 'PAID' });
    expect(h.records[0]!.headers['webhook-timestamp']).toBeUndefined();
    await expectError(await post(h, legacyBody, legacyHeaders(stranger)), 401, 'invalid_signature');
    const garbled = { 'content-type': 'application/json', 'x-webhook-signature': 'zz' };
    await expectError(await post(h, legacyBody, garbled), 400, 'malformed_signature_headers');
    expect(h.records).toHaveLength(1);
  });
});
