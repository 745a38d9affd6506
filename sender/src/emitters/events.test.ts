import { describe, expect, it } from 'vitest';
import { makePayloadSource, EVENT_TYPES, isCatalogType, mergeData } from './catalog.js';
import type { NewDelivery } from '../model/delivery.js';
import { eventBody } from '../model/event-body.js';
import {
  dueCount,
  emitterEvent as emitterEventOrInvalid,
  malformedBody,
  oversizedBody,
  pickFault,
  pickSimulate,
  tickMs,
} from './events.js';

const at = new Date('2025-03-01T10:00:00.000Z');
const envelope = (type: string) => (data: Record<string, unknown>) => eventBody(type, at, data);
const schemeDefaults = { scheme: 'standard-webhooks', payload: null, check: () => null } as const;

/** An emitter event that must not be refused by a schema. */
function emitterEvent(
  input: Omit<Parameters<typeof emitterEventOrInvalid>[0], keyof typeof schemeDefaults> &
    Partial<Parameters<typeof emitterEventOrInvalid>[0]>,
): NewDelivery {
  const e = emitterEventOrInvalid({ ...schemeDefaults, ...input });
  if ('invalid' in e) throw new Error(`refused: ${e.invalid}`);
  return e;
}

describe('event bodies', () => {
  it('oversized: valid JSON over the size asked for', () => {
    const body = oversizedBody(envelope('order.created'), { a: 1 }, 300 * 1024);
    expect(body.length).toBeGreaterThan(300 * 1024);
    expect(JSON.parse(body.toString())).toMatchObject({ type: 'order.created', data: { a: 1 } });
  });

  it('malformed_json: no JSON parser takes it', () => {
    const body = malformedBody(envelope('order.created'), { a: 1, b: 'two' });
    expect(body.length).toBeGreaterThan(0);
    expect(() => JSON.parse(body.toString()) as unknown).toThrow();
  });
});

describe('pickFault', () => {
  const shares = { bad_signature: 0.1, stale_timestamp: 0.2, oversized: 0.05 };
  it('maps a uniform draw onto the shares, the rest normal events', () => {
    expect(pickFault(shares, 0)).toBe('bad_signature');
    expect(pickFault(shares, 0.0999)).toBe('bad_signature');
    expect(pickFault(shares, 0.1)).toBe('stale_timestamp');
    expect(pickFault(shares, 0.2999)).toBe('stale_timestamp');
    expect(pickFault(shares, 0.301)).toBe('oversized');
    expect(pickFault(shares, 0.36)).toBeNull();
    expect(pickFault({}, 0)).toBeNull();
  });

  it('yields each kind at about its share', () => {
    const source = makePayloadSource(7);
    const counts = new Map<string | null, number>();
    for (let i = 0; i < 20_000; i++) {
      const k = pickFault(shares, source.random());
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    expect((counts.get('bad_signature') ?? 0) / 20_000).toBeCloseTo(0.1, 1);
    expect((counts.get('stale_timestamp') ?? 0) / 20_000).toBeCloseTo(0.2, 1);
    expect((counts.get(null) ?? 0) / 20_000).toBeCloseTo(0.65, 1);
  });
});

describe('pickSimulate', () => {
  it('maps a draw to always, once, twice or nothing by the shares', () => {
    const shares = { dead: 0.1, retry: 0.2 };
    expect(pickSimulate(shares, 0.05)).toEqual({ fail: 'always' });
    expect(pickSimulate(shares, 0.15)).toEqual({ fail: 1 });
    expect(pickSimulate(shares, 0.25)).toEqual({ fail: 2 });
    expect(pickSimulate(shares, 0.35)).toBeNull();
    expect(pickSimulate({}, 0)).toBeNull();
  });

  it('puts data.simulate on about the asked share of normal events, never on a fault', () => {
    const source = makePayloadSource(7);
    const events = Array.from({ length: 4000 }, () =>
      emitterEvent({
        eventTypes: ['order.created'],
        oversizedBytes: 4096,
        now: at,
        webhookId: 'wh_x',
        customerId: 'c',
        emitterId: 'emt_x',
        source,
        faults: { bad_signature: 0.1 },
        simulate: { retry: 0.1, dead: 0.05 },
        delivered: null,
      }),
    );
    const simulateOf = (e: (typeof events)[number]) =>
      e.fault === 'bad_signature'
        ? undefined
        : (JSON.parse(e.body.toString()) as { data: { simulate?: unknown } }).data.simulate;
    const normal = events.filter((e) => e.fault === null);
    const always = normal.filter((e) => JSON.stringify(simulateOf(e)) === '{"fail":"always"}').length;
    const retried = normal.filter((e) => /"fail":[12]/.test(JSON.stringify(simulateOf(e)) ?? '')).length;
    expect(always / normal.length).toBeCloseTo(0.05, 1);
    expect(retried / normal.length).toBeCloseTo(0.1, 1);
    for (const e of events.filter((x) => x.fault !== null)) {
      expect(e.body.toString()).not.toContain('simulate');
    }
  });
});

describe('emitterEvent', () => {
  const base = {
    eventTypes: ['order.created'],
    oversizedBytes: 4096,
    now: at,
    webhookId: 'wh_x',
    customerId: 'c',
    emitterId: 'emt_x',
    simulate: {},
  };

  it('makes a normal event with a fresh msg_ id', () => {
    const e = emitterEvent({ ...base, source: makePayloadSource(1), faults: {}, delivered: null });
    expect(e.messageId).toMatch(/^msg_[0-9A-Z]{26}$/);
    expect(e.fault).toBeNull();
    expect(JSON.parse(e.body.toString())).toMatchObject({ type: 'order.created' });
  });

  it('replays a delivered message (same id and bytes) for duplicate_id', () => {
    const delivered = { messageId: 'msg_OLD', body: Buffer.from('{"x":1}'), eventType: 'user.created' };
    const e = emitterEvent({
      ...base,
      source: makePayloadSource(1),
      faults: { duplicate_id: 1 },
      delivered,
    });
    expect(e).toMatchObject({ messageId: 'msg_OLD', fault: 'duplicate_id', eventType: 'user.created' });
    expect(e.body.equals(delivered.body)).toBe(true);
  });

  it('sends a normal event instead when nothing was delivered yet to duplicate', () => {
    const e = emitterEvent({
      ...base,
      source: makePayloadSource(1),
      faults: { duplicate_id: 1 },
      delivered: null,
    });
    expect(e.fault).toBeNull();
  });

  it('builds oversized and malformed bodies for those faults', () => {
    const big = emitterEvent({
      ...base,
      source: makePayloadSource(1),
      faults: { oversized: 1 },
      delivered: null,
    });
    expect(big.fault).toBe('oversized');
    expect(big.body.length).toBeGreaterThan(4096);
    const bad = emitterEvent({
      ...base,
      source: makePayloadSource(1),
      faults: { malformed_json: 1 },
      delivered: null,
    });
    expect(() => JSON.parse(bad.body.toString()) as unknown).toThrow();
  });
});

describe('emitter pacing', () => {
  it('owes the first event at once, then one per 1/rate', () => {
    const due = (now: number, done: number, remaining = Infinity) =>
      dueCount({ rate: 0.2, since: 0, done, now, remaining });
    expect(due(0, 0)).toBe(1);
    expect(due(4999, 1)).toBe(0);
    expect(due(5000, 1)).toBe(1);
    expect(due(60_000, 1)).toBe(12);
    expect(due(60_000, 1, 3)).toBe(3);
  });

  it('carries high rates in batches', () => {
    expect(dueCount({ rate: 2000, since: 0, done: 1, now: 50, remaining: Infinity })).toBe(100);
    expect(tickMs(2000)).toBe(50);
    expect(tickMs(0.2)).toBe(1000);
    expect(tickMs(10)).toBe(100);
  });
});

describe('catalog', () => {
  it('has at least 8 event types, each with a payload', () => {
    expect(EVENT_TYPES.length).toBeGreaterThanOrEqual(8);
    const source = makePayloadSource(3);
    for (const t of EVENT_TYPES) {
      expect(isCatalogType(t)).toBe(true);
      expect(Object.keys(source.data(t, at)).length).toBeGreaterThan(1);
    }
  });

  it('is reproducible under a seed, and varies without one', () => {
    const run = (seed: number | undefined) => {
      const s = makePayloadSource(seed, [42]);
      return EVENT_TYPES.map((t) => JSON.stringify(s.data(t, at)));
    };
    expect(run(99)).toEqual(run(99));
    expect(run(99)).not.toEqual(run(100));
    expect(run(undefined)).not.toEqual(run(undefined));
  });

  it('merges overrides deeply', () => {
    expect(mergeData({ a: { b: 1, c: 2 }, d: [1] }, { a: { c: 3 }, d: [2], e: 'x' })).toEqual({
      a: { b: 1, c: 3 },
      d: [2],
      e: 'x',
    });
  });
});

describe('emitter events per scheme, with a static payload and a schema check', () => {
  const base = {
    eventTypes: ['order.paid'],
    oversizedBytes: 4096,
    now: at,
    webhookId: 'wh_x',
    customerId: 'c',
    emitterId: 'emt_x',
    faults: {},
    delivered: null,
  };

  it('merges the static payload over the data, in data.object for stripe, simulate beside it', () => {
    const e = emitterEvent({
      ...base,
      source: makePayloadSource(1),
      scheme: 'stripe',
      payload: { currency: 'chf', meta: { env: 'test' } },
      simulate: { dead: 1 },
    });
    expect(e.messageId).toMatch(/^evt_[0-9A-Za-z]{24}$/);
    const body = JSON.parse(e.body.toString()) as {
      id: string;
      type: string;
      data: { object: Record<string, unknown>; simulate: unknown };
    };
    expect(body.id).toBe(e.messageId);
    expect(body.type).toBe('order.paid');
    expect(body.data.object).toMatchObject({ currency: 'chf', meta: { env: 'test' } });
    expect(body.data.object.order_id).toMatch(/^ord_/);
    expect(body.data.simulate).toEqual({ fail: 'always' });
  });

  it('refuses data its type’s schema refuses, and says why', () => {
    const e = emitterEventOrInvalid({
      ...base,
      ...schemeDefaults,
      source: makePayloadSource(1),
      simulate: {},
      check: (type, data) =>
        type === 'order.paid' && data.currency === 'chf' ? null : 'currency must be chf',
    });
    expect(e).toEqual({ invalid: 'currency must be chf', type: 'order.paid' });
  });
});
