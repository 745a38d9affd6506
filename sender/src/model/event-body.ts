import { newId, stripeEventId, type SignatureScheme } from '@hookpipe/lib';
import type { Data } from './webhook.js';

/** The contract's body: `{ type, timestamp, data }`, as the exact bytes to sign and send. */
export function eventBody(type: string, timestamp: Date, data: Data): Buffer {
  return Buffer.from(JSON.stringify({ type, timestamp: timestamp.toISOString(), data }), 'utf8');
}

/** What an event says, before it takes its scheme's shape. */
export interface EventContent {
  type: string;
  timestamp: Date;
  data: Data;
  /** The consumer's failure injection (hookpipe's own receiver), beside the data. */
  simulate?: unknown;
}

/**
 * The body of one message under a scheme. `standard-webhooks` and `github` send the contract's
 * envelope (`simulate` inside `data`); `stripe` sends Stripe's event object, whose `id` is the
 * message id and whose `data.object` is the data (`simulate` beside `object`).
 */
export function schemeBody(scheme: SignatureScheme, messageId: string, e: EventContent): Buffer {
  if (scheme !== 'stripe') {
    const data = e.simulate === undefined ? e.data : { ...e.data, simulate: e.simulate };
    return eventBody(e.type, e.timestamp, data);
  }
  const event = {
    id: messageId,
    object: 'event',
    api_version: null,
    created: Math.floor(e.timestamp.getTime() / 1000),
    livemode: false,
    type: e.type,
    data: e.simulate === undefined ? { object: e.data } : { object: e.data, simulate: e.simulate },
  };
  return Buffer.from(JSON.stringify(event), 'utf8');
}

/** A new message id in the scheme's form: Stripe's `evt_…`, else hookpipe's `msg_…`. */
export function newMessageId(scheme: SignatureScheme, now: number): string {
  return scheme === 'stripe' ? stripeEventId() : newId('msg', now);
}
