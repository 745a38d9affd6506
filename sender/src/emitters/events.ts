import { newId } from '@hookpipe/lib';
import type { NewDelivery } from '../model/delivery.js';
import type { SimulateShares } from '../model/emitter.js';
import { eventBody } from '../model/event-body.js';
import { FAULT_KINDS, type FaultKind, type FaultShares } from '../model/fault-kinds.js';
import type { Data, PayloadSource } from './catalog.js';

/** Picks a fault kind for one event from a uniform draw `r` in [0, 1); null = a normal event. */
export function pickFault(shares: FaultShares, r: number): FaultKind | null {
  let edge = 0;
  for (const kind of FAULT_KINDS) {
    edge += shares[kind] ?? 0;
    if (r < edge) return kind;
  }
  return null;
}

/** A body over `bytes` long: a valid event whose data carries padding. */
export function oversizedBody(type: string, timestamp: Date, data: Data, bytes: number): Buffer {
  const plain = eventBody(type, timestamp, data).length;
  return eventBody(type, timestamp, { ...data, padding: 'x'.repeat(Math.max(0, bytes - plain) + 16) });
}

/** Not JSON: a valid event cut off half-way, so no parser accepts it. */
export function malformedBody(type: string, timestamp: Date, data: Data): Buffer {
  const whole = eventBody(type, timestamp, data);
  return whole.subarray(0, Math.max(1, Math.floor(whole.length / 2)));
}

/**
 * What a normal event asks of the receiver's consumer (`data.simulate`), from a uniform draw
 * `r` in [0, 1): the `dead` share fails always, the `retry` share once (first half) or twice.
 */
export function pickSimulate(shares: SimulateShares, r: number): { fail: number | 'always' } | null {
  const dead = shares.dead ?? 0;
  const retry = shares.retry ?? 0;
  if (r < dead) return { fail: 'always' };
  if (r < dead + retry) return { fail: r < dead + retry / 2 ? 1 : 2 };
  return null;
}

export interface EmitterEventInput {
  source: PayloadSource;
  eventTypes: readonly string[];
  faults: FaultShares;
  simulate: SimulateShares;
  oversizedBytes: number;
  now: Date;
  webhookId: string;
  customerId: string;
  emitterId: string;
  /** A message already delivered to this webhook, for duplicate_id; without one that fault is skipped. */
  delivered: { messageId: string; body: Buffer; eventType: string } | null;
}

/** One emitter event as an outbox row, a fault drawn by the emitter's shares. */
export function emitterEvent(input: EmitterEventInput): NewDelivery {
  const type = input.source.pick(input.eventTypes);
  let fault = pickFault(input.faults, input.source.random());
  if (fault === 'duplicate_id' && !input.delivered) fault = null;
  const base = {
    webhookId: input.webhookId,
    customerId: input.customerId,
    eventId: null,
    emitterId: input.emitterId,
  };
  if (fault === 'duplicate_id' && input.delivered) {
    // The same webhook-id and bytes as a message the receiver already accepted, signed afresh
    // at send time: receivers must answer 2xx and keep a single copy.
    return {
      ...base,
      messageId: input.delivered.messageId,
      eventType: input.delivered.eventType,
      body: input.delivered.body,
      fault,
    };
  }
  const data = input.source.data(type, input.now);
  // Drawn only when asked for, so emitters without simulate shares keep their seeded sequence.
  const asked = (input.simulate.retry ?? 0) + (input.simulate.dead ?? 0) > 0;
  const simulate = asked ? pickSimulate(input.simulate, input.source.random()) : null;
  if (simulate && fault === null) data.simulate = simulate;
  const body =
    fault === 'oversized'
      ? oversizedBody(type, input.now, data, input.oversizedBytes)
      : fault === 'malformed_json'
        ? malformedBody(type, input.now, data)
        : eventBody(type, input.now, data);
  return { ...base, messageId: newId('msg', input.now.getTime()), eventType: type, body, fault };
}

/**
 * How many events are due at `now` for a steady `rate` (events/s) counted from `since` (the
 * first one at `since` itself), given `done` already emitted since then, never more than
 * `remaining`.
 */
export function dueCount(opts: {
  rate: number;
  since: number;
  done: number;
  now: number;
  remaining: number;
}): number {
  const owed = Math.floor(((opts.now - opts.since) * opts.rate) / 1000) + 1 - opts.done;
  return Math.max(0, Math.min(owed, opts.remaining));
}

/** How long an emitter sleeps between ticks: about one event per tick, within [50 ms, 1 s]. */
export function tickMs(rate: number): number {
  return Math.min(1000, Math.max(50, Math.floor(1000 / rate)));
}
