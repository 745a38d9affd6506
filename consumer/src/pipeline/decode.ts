import { isUtf8 } from 'node:buffer';
import { HEADERS, headerInt, headerString } from '@hookpipe/lib';
import type { Failure, SourceRecord, WebhookEvent } from './types.js';

export type Decoded = { ok: true; event: WebhookEvent } | { ok: false; failure: Failure };

const poison = (errorClass: string, message: string): Decoded => ({
  ok: false,
  failure: { errorClass, message, poison: true },
});

// `\u0000` not itself escaped (an even run of backslashes before it is literal text).
const NUL_ESCAPE = /(?<!\\)(?:\\\\)*\\u0000/i;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function parseDate(raw: string | undefined): Date | null {
  if (raw === undefined) return null;
  const d = new Date(raw);
  return Number.isNaN(d.getTime()) ? null : d;
}

/**
 * Reads a record in the handler's format (see DESIGN.md): headers `webhook-id` and `customer-id`
 * are required, the body must be a JSON object: a Standard Webhooks event (`type`, `timestamp`,
 * `data`) unless the record's `signature-scheme` says GitHub or Stripe, whose type the handler
 * put in `event-type`. Anything else is poison: no retry can make it readable.
 */
export function decodeRecord(record: SourceRecord): Decoded {
  const webhookId = headerString(record.headers, HEADERS.webhookId);
  if (!webhookId) return poison('MissingHeader', `header ${HEADERS.webhookId} is missing`);
  if (webhookId.length > 255)
    return poison('InvalidHeader', `header ${HEADERS.webhookId} is longer than 255`);
  const customerId = headerString(record.headers, HEADERS.customerId);
  if (!customerId) return poison('MissingHeader', `header ${HEADERS.customerId} is missing`);

  const body = record.value;
  if (!body || body.length === 0) return poison('InvalidPayload', 'the record has no body');
  if (!isUtf8(body)) return poison('InvalidPayload', 'the body is not UTF-8');
  const text = body.toString('utf8');
  // PostgreSQL's jsonb cannot hold U+0000; such an event could never be stored.
  if (NUL_ESCAPE.test(text))
    return poison('InvalidPayload', 'the body contains \\u0000, which jsonb cannot store');
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch (err) {
    return poison('InvalidJson', `the body is not JSON: ${(err as Error).message}`);
  }
  if (!isObject(payload)) return poison('InvalidEventShape', 'the body is not a JSON object');
  const scheme = headerString(record.headers, HEADERS.signatureScheme) ?? 'standard-webhooks';
  let eventType: string;
  if (scheme === 'standard-webhooks' || scheme === 'legacy') {
    if (typeof payload.type !== 'string' || payload.type.length === 0) {
      return poison('InvalidEventShape', 'the body has no non-empty string "type"');
    }
    eventType = payload.type;
    if (typeof payload.timestamp !== 'string') {
      return poison('InvalidEventShape', 'the body has no string "timestamp"');
    }
    if (!isObject(payload.data)) return poison('InvalidEventShape', 'the body has no object "data"');
  } else {
    // GitHub's payloads have no common envelope and name their type in a header; the handler
    // wrote the verified type into event-type for every scheme.
    const named = headerString(record.headers, HEADERS.eventType) ?? payload.type;
    if (typeof named !== 'string' || named.length === 0) {
      return poison(
        'InvalidEventShape',
        `a ${scheme} event has no ${HEADERS.eventType} header and no "type"`,
      );
    }
    eventType = named;
  }

  const signedAtSeconds = headerInt(record.headers, HEADERS.signedAt, -1);
  // The handler stamps received-at; the broker's timestamp is the closest stand-in if it did not.
  const receivedAt =
    parseDate(headerString(record.headers, HEADERS.receivedAt)) ?? new Date(Number(record.timestamp));
  return {
    ok: true,
    event: {
      webhookId,
      customerId,
      eventType,
      payload,
      rawBody: body,
      retryCount: headerInt(record.headers, HEADERS.retryCount, 0),
      replayed: headerString(record.headers, HEADERS.replayedAt) !== undefined,
      signedAt: signedAtSeconds >= 0 ? new Date(signedAtSeconds * 1000) : null,
      receivedAt,
      requestId: headerString(record.headers, HEADERS.requestId) ?? null,
    },
  };
}
