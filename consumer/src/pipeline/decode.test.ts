import { describe, expect, it } from 'vitest';
import { HEADERS } from '@hookpipe/lib';
import { makeRecord } from '../testing/records.js';
import { decodeRecord } from './decode.js';

describe('decodeRecord', () => {
  it('reads an event in the handler format', () => {
    const d = decodeRecord(makeRecord({ offset: '7', webhookId: 'msg_a', retryCount: 2 }));
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(d.event).toMatchObject({
      webhookId: 'msg_a',
      customerId: 'cust-1',
      eventType: 'order.created',
      retryCount: 2,
      replayed: false,
      requestId: 'req-1',
    });
    expect(d.event.signedAt?.toISOString()).toBe('2025-01-01T00:00:00.000Z');
    expect(d.event.receivedAt.toISOString()).toBe('2025-01-01T00:00:01.000Z');
  });

  it('marks a replayed dead letter', () => {
    const d = decodeRecord(makeRecord({ headers: { [HEADERS.replayedAt]: '2025-01-01T00:00:00.000Z' } }));
    expect(d.ok && d.event.replayed).toBe(true);
  });

  it('keeps the exact body bytes', () => {
    const raw = Buffer.from('{"type":"a.b",  "timestamp":"t","data":{"x":1.50}}');
    const d = decodeRecord(makeRecord({ rawBody: raw }));
    expect(d.ok && d.event.rawBody.equals(raw)).toBe(true);
  });

  it('reads GitHub and Stripe events, whose type the handler put in event-type', () => {
    const github = decodeRecord(
      makeRecord({
        rawBody: Buffer.from('{"action":"opened","issue":{"number":1}}'),
        headers: { [HEADERS.signatureScheme]: 'github', [HEADERS.eventType]: 'issues' },
      }),
    );
    expect(github.ok && github.event.eventType).toBe('issues');
    const stripe = decodeRecord(
      makeRecord({
        rawBody: Buffer.from('{"id":"evt_1","type":"invoice.paid","data":{"object":{}}}'),
        headers: { [HEADERS.signatureScheme]: 'stripe', [HEADERS.eventType]: 'invoice.paid' },
      }),
    );
    expect(stripe.ok && stripe.event.eventType).toBe('invoice.paid');
    const untyped = decodeRecord(
      makeRecord({
        rawBody: Buffer.from('{"a":1}'),
        headers: { [HEADERS.signatureScheme]: 'github', [HEADERS.eventType]: undefined },
      }),
    );
    expect(untyped.ok ? null : untyped.failure.errorClass).toBe('InvalidEventShape');
  });

  it('falls back to the record timestamp when received-at is missing or bad', () => {
    const d = decodeRecord(makeRecord({ headers: { [HEADERS.receivedAt]: 'yesterday' } }));
    expect(d.ok && d.event.receivedAt.getTime()).toBe(1735689600000);
  });

  it.each([
    ['missing webhook-id', { headers: { [HEADERS.webhookId]: undefined } }, 'MissingHeader'],
    ['missing customer-id', { headers: { [HEADERS.customerId]: '' } }, 'MissingHeader'],
    ['no body', { rawBody: null }, 'InvalidPayload'],
    ['not UTF-8', { rawBody: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) }, 'InvalidPayload'],
    ['not JSON', { rawBody: Buffer.from('{"type":') }, 'InvalidJson'],
    ['an array', { body: [1, 2] }, 'InvalidEventShape'],
    ['no type', { body: { timestamp: 't', data: {} } }, 'InvalidEventShape'],
    ['empty type', { body: { type: '', timestamp: 't', data: {} } }, 'InvalidEventShape'],
    ['no timestamp', { body: { type: 'a', data: {} } }, 'InvalidEventShape'],
    ['data not an object', { body: { type: 'a', timestamp: 't', data: [1] } }, 'InvalidEventShape'],
    [
      'a NUL escape',
      { rawBody: Buffer.from('{"type":"a","timestamp":"t","data":{"s":"x\\u0000"}}') },
      'InvalidPayload',
    ],
  ] as const)('is poison when %s', (_name, overrides, errorClass) => {
    const d = decodeRecord(makeRecord(overrides));
    expect(d.ok).toBe(false);
    if (d.ok) return;
    expect(d.failure).toMatchObject({ errorClass, poison: true });
    expect(d.failure.message.length).toBeGreaterThan(0);
  });

  it('accepts an escaped backslash followed by u0000 (literal text, not NUL)', () => {
    const d = decodeRecord(
      makeRecord({ rawBody: Buffer.from('{"type":"a","timestamp":"t","data":{"s":"\\\\u0000"}}') }),
    );
    expect(d.ok).toBe(true);
  });
});
