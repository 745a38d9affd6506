import { errorMessage, type SignatureScheme } from '@hookpipe/lib';
import type { NewDelivery } from '../model/delivery.js';
import type { SimulateShares } from '../model/emitter.js';
import { newMessageId, schemeBody, type EventContent } from '../model/event-body.js';
import { FAULT_KINDS, type FaultKind, type FaultShares } from '../model/fault-kinds.js';
import { mergeData, type Data, type PayloadSource } from './catalog.js';

/** Picks a fault kind for one event from a uniform draw `r` in [0, 1); null = a normal event. */
export function pickFault(shares: FaultShares, r: number): FaultKind | null {
  let edge = 0;
  for (const kind of FAULT_KINDS) {
    edge += shares[kind] ?? 0;
    if (r < edge) return kind;
  }
  return null;
}

/** Builds a message's body from its data (the scheme's shape, its id and type fixed). */
type BodyOf = (data: Data) => Buffer;

/** A body over `bytes` long: a valid event whose data carries padding. */
export function oversizedBody(build: BodyOf, data: Data, bytes: number): Buffer {
  const plain = build(data).length;
  return build({ ...data, padding: 'x'.repeat(Math.max(0, bytes - plain) + 16) });
}

/** Not JSON: a valid event cut off half-way, so no parser accepts it. */
export function malformedBody(build: BodyOf, data: Data): Buffer {
  const whole = build(data);
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
  /** The webhook's scheme (the body's shape and the message id's form follow it). */
  scheme: SignatureScheme;
  /** The webhook's static payload, merged over the generated data. */
  payload: Data | null;
  /** Checks the data of a type against its schema (user types): null when valid, else why not. */
  check: (type: string, data: Data) => string | null;
  /** A message already delivered to this webhook, for duplicate_id; without one that fault is skipped. */
  delivered: { messageId: string; body: Buffer; eventType: string } | null;
}

/** An event whose data did not pass its type's schema: not sent. */
export interface InvalidEvent {
  invalid: string;
  type: string;
}

/**
 * One emitter event as an outbox row, a fault drawn by the emitter's shares; or, when the data
 * (generated, then the static payload merged in) fails its type's schema, why.
 */
export function emitterEvent(input: EmitterEventInput): NewDelivery | InvalidEvent {
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
  let data: Data;
  try {
    data = input.source.data(type, input.now);
  } catch (err) {
    return { invalid: `no data could be generated: ${errorMessage(err)}`, type };
  }
  if (input.payload) data = mergeData(data, input.payload);
  const problem = input.check(type, data);
  if (problem) return { invalid: problem, type };
  // Drawn only when asked for, so emitters without simulate shares keep their seeded sequence.
  const asked = (input.simulate.retry ?? 0) + (input.simulate.dead ?? 0) > 0;
  const simulate = asked ? pickSimulate(input.simulate, input.source.random()) : null;
  const messageId = newMessageId(input.scheme, input.now.getTime());
  const content: EventContent = { type, timestamp: input.now, data };
  if (simulate && fault === null) content.simulate = simulate;
  const build: BodyOf = (d) => schemeBody(input.scheme, messageId, { ...content, data: d });
  const body =
    fault === 'oversized'
      ? oversizedBody(build, data, input.oversizedBytes)
      : fault === 'malformed_json'
        ? malformedBody(build, data)
        : build(data);
  return { ...base, messageId, eventType: type, body, fault };
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
