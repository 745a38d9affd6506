import { beforeEach, describe, expect, it } from 'vitest';
import { HEADERS } from '@hookpipe/lib';
import {
  T0,
  expectError,
  harness,
  post,
  secretA,
  secretA2,
  secretB,
  signed,
  type Harness,
} from './testing/harness.js';

describe('POST /webhook accepts', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });

  it('a signed event with 202 and forwards the exact bytes with the contract headers', async () => {
    // Odd spacing and key order: the record must hold these bytes, not a re-encoding.
    const body = '{ "data": {"a":  1}, "type":"order.created",\n "timestamp":"2030-01-01T12:00:00Z" }';
    const msg = signed({ body });
    const res = await post(h, msg.body, { ...msg.headers, 'x-request-id': 'req-from-nginx' });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ status: 'accepted', webhook_id: msg.id });
    expect(res.headers.get('x-request-id')).toBe('req-from-nginx');
    expect(h.records).toHaveLength(1);
    const record = h.records[0]!;
    expect(record.key).toBe('acme');
    expect(record.value.toString('utf8')).toBe(body);
    expect(record.headers).toEqual({
      [HEADERS.webhookId]: msg.id,
      [HEADERS.eventType]: 'order.created',
      [HEADERS.customerId]: 'acme',
      [HEADERS.receivedAt]: new Date(T0).toISOString(),
      [HEADERS.requestId]: 'req-from-nginx',
      [HEADERS.signedAt]: String(T0 / 1000),
      [HEADERS.signatureScheme]: 'standard-webhooks',
      [HEADERS.retryCount]: '0',
    });
  });

  it('generates a request id when none (or a garbled one) is given', async () => {
    const msg = signed();
    const res = await post(h, msg.body, { ...msg.headers, 'x-request-id': 'has spaces' });
    expect(res.status).toBe(202);
    expect(res.headers.get('x-request-id')).toMatch(/^req_[0-9A-Z]{26}$/);
    expect(h.records[0]!.headers[HEADERS.requestId]).toBe(res.headers.get('x-request-id'));
  });

  it('either secret of a customer during a rotation, and both signatures at once', async () => {
    for (const secrets of [secretA, secretA2, [secretA2, secretA]]) {
      const msg = signed({ secrets });
      expect((await post(h, msg.body, msg.headers)).status).toBe(202);
    }
    expect(h.records.map((r) => r.key)).toEqual(['acme', 'acme', 'acme']);
  });

  it('takes the customer from the secret that verified, never from a header', async () => {
    const msg = signed({ secrets: secretB });
    const res = await post(h, msg.body, { ...msg.headers, 'customer-id': 'acme' });
    expect(res.status).toBe(202);
    expect(h.records[0]!.key).toBe('globex');
    expect(h.records[0]!.headers[HEADERS.customerId]).toBe('globex');
  });

  it('a duplicate webhook-id (an honest retry) and forwards it again for the consumer to dedupe', async () => {
    const first = signed({ id: 'msg_dup_1' });
    const again = signed({ id: 'msg_dup_1', timestamp: T0 / 1000 + 5 });
    expect((await post(h, first.body, first.headers)).status).toBe(202);
    expect((await post(h, again.body, again.headers)).status).toBe(202);
    expect(h.records.map((r) => r.headers[HEADERS.webhookId])).toEqual(['msg_dup_1', 'msg_dup_1']);
  });

  it('a content type with parameters', async () => {
    const msg = signed();
    const res = await post(h, msg.body, {
      ...msg.headers,
      'content-type': 'Application/JSON; charset=utf-8',
    });
    expect(res.status).toBe(202);
  });
});

describe('signature timestamp tolerance (±300 s, clock steered)', () => {
  const cases: [string, number, number][] = [
    ['exactly 300 s old', -300, 202],
    ['301 s old', -301, 401],
    ['exactly 300 s ahead', 300, 202],
    ['301 s ahead', 301, 401],
  ];
  it.each(cases)('%s → %i', async (_name, offset, status) => {
    const h = await harness();
    const msg = signed({ timestamp: T0 / 1000 + offset });
    const res = await post(h, msg.body, msg.headers);
    expect(res.status).toBe(status);
    if (status === 401) await expectError(res, 401, 'timestamp_out_of_tolerance', /webhook-timestamp/);
    expect(h.records).toHaveLength(status === 202 ? 1 : 0);
  });

  it('follows the clock: a message valid now is refused once the clock moves past the window', async () => {
    const h = await harness();
    const msg = signed();
    h.now.ms = T0 + 301_000;
    await expectError(await post(h, msg.body, msg.headers), 401, 'timestamp_out_of_tolerance');
    h.now.ms = T0 + 299_000;
    expect((await post(h, msg.body, msg.headers)).status).toBe(202);
  });
});

describe('POST /webhook/<customer_id>', () => {
  it("checks only that customer's secrets: its own verifies, another customer's does not", async () => {
    const h = await harness();
    const own = signed({ secrets: secretA2 });
    const ok = await h.app.request('/webhook/acme', { method: 'POST', body: own.body, headers: own.headers });
    expect(ok.status).toBe(202);
    expect(h.records[0]!.headers[HEADERS.customerId]).toBe('acme');
    const theirs = signed({ secrets: secretB });
    await expectError(
      await h.app.request('/webhook/acme', { method: 'POST', body: theirs.body, headers: theirs.headers }),
      401,
      'invalid_signature',
    );
    await expectError(
      await h.app.request('/webhook/nobody', { method: 'POST', body: own.body, headers: own.headers }),
      401,
      'invalid_signature',
    );
    await expectError(
      await h.app.request('/webhook/a%00b', { method: 'POST', body: own.body, headers: own.headers }),
      400,
      'invalid_customer_id',
    );
    expect(h.records).toHaveLength(1);
  });
});
