import { describe, expect, it } from 'vitest';
import type { ClaimedDelivery } from '../model/delivery.js';
import { makeSlots } from './slots.js';

const row = (
  webhookId: string,
  emitterId: string | null,
  caps: ClaimedDelivery['caps'],
): ClaimedDelivery => ({
  id: '1',
  token: 't',
  messageId: 'msg_1',
  webhookId,
  customerId: 'c',
  emitterId,
  url: 'http://localhost/hook',
  headers: {},
  scheme: 'standard-webhooks',
  eventType: 'order.created',
  secrets: [],
  body: Buffer.from('{}'),
  fault: null,
  attempt: 1,
  caps,
});

describe('slots', () => {
  it('counts attempts in total and per webhook and emitter, and lets each go once', () => {
    const slots = makeSlots(4);
    const a = slots.take(row('wh_a', null, { webhook: 8, emitter: null }));
    slots.take(row('wh_a', 'emt_1', { webhook: 8, emitter: 2 }));
    expect(slots.inFlight()).toBe(2);
    expect(slots.free()).toBe(2);
    expect(slots.snapshot().busy).toEqual(
      new Map([
        ['w:wh_a', 2],
        ['e:emt_1', 1],
      ]),
    );
    a();
    a();
    expect(slots.inFlight()).toBe(1);
    expect(slots.snapshot().busy).toEqual(
      new Map([
        ['w:wh_a', 1],
        ['e:emt_1', 1],
      ]),
    );
  });

  it('names the keys at their cap, and a release from one of them says so', () => {
    const slots = makeSlots(10);
    const first = slots.take(row('wh_a', 'emt_1', { webhook: 8, emitter: 2 }));
    const second = slots.take(row('wh_b', 'emt_1', { webhook: 1, emitter: 2 }));
    expect(slots.snapshot().saturated.sort()).toEqual(['e:emt_1', 'w:wh_b']);
    expect(first()).toBe(true); // emt_1 was at 2 of 2
    expect(slots.snapshot().saturated).toEqual(['w:wh_b']);
    expect(second()).toBe(true); // wh_b was at 1 of 1
    expect(slots.snapshot()).toEqual({ busy: new Map(), saturated: [] });
    const third = slots.take(row('wh_a', null, { webhook: 8, emitter: null }));
    expect(third()).toBe(false);
  });

  it('tells whether a claim filled a webhook or emitter up to its cap', () => {
    const slots = makeSlots(10);
    slots.take(row('wh_a', null, { webhook: 3, emitter: null }));
    const asked = slots.snapshot().busy;
    const claimed = [row('wh_a', null, { webhook: 3, emitter: null })];
    for (const r of claimed) slots.take(r);
    expect(slots.filledUp(asked, claimed)).toBe(false); // 2 of 3
    const more = [row('wh_a', null, { webhook: 3, emitter: null })];
    const before = slots.snapshot().busy;
    for (const r of more) slots.take(r);
    expect(slots.filledUp(before, more)).toBe(true); // 3 of 3
  });
});
