import { describe, expect, it } from 'vitest';
import { eventBody, newMessageId, schemeBody } from './event-body.js';

const at = new Date('2025-03-01T10:00:00.000Z');

describe('event bodies', () => {
  it('have the contract shape { type, timestamp, data }', () => {
    const body = JSON.parse(eventBody('order.created', at, { a: 1 }).toString()) as unknown;
    expect(body).toEqual({ type: 'order.created', timestamp: '2025-03-01T10:00:00.000Z', data: { a: 1 } });
  });

  it('keep the envelope for standard-webhooks and github, simulate inside data', () => {
    for (const scheme of ['standard-webhooks', 'github'] as const) {
      const body = JSON.parse(
        schemeBody(scheme, 'msg_1', {
          type: 'order.paid',
          timestamp: at,
          data: { a: 1 },
          simulate: { fail: 1 },
        }).toString(),
      ) as unknown;
      expect(body).toEqual({
        type: 'order.paid',
        timestamp: '2025-03-01T10:00:00.000Z',
        data: { a: 1, simulate: { fail: 1 } },
      });
    }
  });

  it("take Stripe's event shape for stripe: the message id is the event id", () => {
    const id = newMessageId('stripe', at.getTime());
    expect(id).toMatch(/^evt_[0-9A-Za-z]{24}$/);
    const body = JSON.parse(
      schemeBody('stripe', id, {
        type: 'invoice.paid',
        timestamp: at,
        data: { a: 1 },
        simulate: { fail: 2 },
      }).toString(),
    ) as unknown;
    expect(body).toEqual({
      id,
      object: 'event',
      api_version: null,
      created: at.getTime() / 1000,
      livemode: false,
      type: 'invoice.paid',
      data: { object: { a: 1 }, simulate: { fail: 2 } },
    });
    expect(newMessageId('github', at.getTime())).toMatch(/^msg_/);
  });
});
