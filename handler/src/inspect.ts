import { SIGNATURE_HEADERS, verify, verifyLegacySignature, type VerifyFailure } from '@hookpipe/lib';
import type { KeyringEntry } from './keyring.js';

/** The seed's scheme: hex HMAC-SHA256 of the body, no id or timestamp signed. */
export const LEGACY_SIGNATURE_HEADER = 'x-webhook-signature';

/** A rejected request: the answer to give and the metric reason, as a value. */
export interface Rejection {
  ok: false;
  status: 400 | 401;
  code: string;
  message: string;
  /** `verification_failures_total{reason}`; absent for body-shape problems. */
  reason?: VerifyFailure | 'legacy_malformed' | 'legacy_no_matching_signature';
  details?: unknown;
}

export type Verified =
  | { ok: true; scheme: 'v1'; entry: KeyringEntry; webhookId: string; timestamp: number }
  | { ok: true; scheme: 'legacy'; entry: KeyringEntry; webhookId: string | undefined };

const FAILURE_ANSWER: Record<VerifyFailure, { status: 400 | 401; code: string }> = {
  missing_headers: { status: 400, code: 'missing_signature_headers' },
  malformed_headers: { status: 400, code: 'malformed_signature_headers' },
  timestamp_too_old: { status: 401, code: 'timestamp_out_of_tolerance' },
  timestamp_in_future: { status: 401, code: 'timestamp_out_of_tolerance' },
  no_matching_signature: { status: 401, code: 'invalid_signature' },
};

const ID_RE = /^[\x21-\x7e]{1,255}$/;

/**
 * Verifies the raw body against the keyring, before anything parses it. Standard Webhooks
 * first; the seed's legacy header only when enabled and no `webhook-signature` is present.
 */
export function verifyRequest(input: {
  header: (name: string) => string | undefined;
  body: Buffer;
  keys: readonly KeyringEntry[];
  nowSeconds: number;
  toleranceSeconds: number;
  legacy: boolean;
}): Verified | Rejection {
  const { header } = input;
  const legacySig = header(LEGACY_SIGNATURE_HEADER);
  if (input.legacy && legacySig !== undefined && header(SIGNATURE_HEADERS.signature) === undefined) {
    return verifyLegacy(legacySig.trim(), header(SIGNATURE_HEADERS.id), input.body, input.keys);
  }
  const result = verify({
    headers: {
      id: header(SIGNATURE_HEADERS.id),
      timestamp: header(SIGNATURE_HEADERS.timestamp),
      signature: header(SIGNATURE_HEADERS.signature),
    },
    body: input.body,
    keys: input.keys,
    now: input.nowSeconds,
    toleranceSeconds: input.toleranceSeconds,
  });
  if (!result.ok) {
    const answer = FAILURE_ANSWER[result.reason];
    return { ok: false, ...answer, message: result.message, reason: result.reason };
  }
  return {
    ok: true,
    scheme: 'v1',
    entry: result.key,
    webhookId: header(SIGNATURE_HEADERS.id) ?? '',
    timestamp: result.timestamp,
  };
}

function verifyLegacy(
  signature: string,
  webhookId: string | undefined,
  body: Buffer,
  keys: readonly KeyringEntry[],
): Verified | Rejection {
  if (!/^[0-9a-f]{64}$/i.test(signature)) {
    return {
      ok: false,
      status: 400,
      code: 'malformed_signature_headers',
      message: `${LEGACY_SIGNATURE_HEADER} must be 64 hex digits (HMAC-SHA256 of the body)`,
      reason: 'legacy_malformed',
    };
  }
  if (webhookId !== undefined && !ID_RE.test(webhookId)) {
    return {
      ok: false,
      status: 400,
      code: 'malformed_signature_headers',
      message: `${SIGNATURE_HEADERS.id} must be 1-255 printable ASCII characters`,
      reason: 'legacy_malformed',
    };
  }
  const entry = keys.find((k) => verifyLegacySignature(k.secret, body, signature));
  if (!entry) {
    return {
      ok: false,
      status: 401,
      code: 'invalid_signature',
      message: `${LEGACY_SIGNATURE_HEADER} matches no known secret`,
      reason: 'legacy_no_matching_signature',
    };
  }
  return { ok: true, scheme: 'legacy', entry, webhookId };
}

export interface EventShape {
  ok: true;
  type: string;
  /** The seed's body carries its id as `event_id`; used as webhook-id for legacy requests only. */
  eventId: string | undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks the body is a Standard Webhooks event: a JSON object with a non-empty string `type`,
 * a string `timestamp` and an object `data`. With `legacy`, the seed's `event_type` may stand
 * in for `type`.
 */
export function checkEvent(body: Buffer, legacy = false): EventShape | Rejection {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(body));
  } catch (err) {
    const why = err instanceof SyntaxError ? err.message : 'the body is not valid UTF-8';
    return { ok: false, status: 400, code: 'invalid_json', message: `the body is not JSON: ${why}` };
  }
  if (!isObject(value)) {
    return { ok: false, status: 400, code: 'invalid_event', message: 'the body must be a JSON object' };
  }
  const type = value.type ?? (legacy ? value.event_type : undefined);
  const problems: { field: string; problem: string }[] = [];
  if (typeof type !== 'string' || type.length === 0) {
    problems.push({ field: 'type', problem: 'must be a non-empty string' });
  }
  if (typeof value.timestamp !== 'string') {
    problems.push({ field: 'timestamp', problem: 'must be a string (RFC 3339)' });
  }
  if (!isObject(value.data)) problems.push({ field: 'data', problem: 'must be a JSON object' });
  if (problems.length > 0 || typeof type !== 'string') {
    return {
      ok: false,
      status: 400,
      code: 'invalid_event',
      message: `the body is not a webhook event: ${problems.map((p) => `${p.field} ${p.problem}`).join('; ')}`,
      details: problems,
    };
  }
  const eventId =
    typeof value.event_id === 'string' && ID_RE.test(value.event_id) ? value.event_id : undefined;
  return { ok: true, type, eventId };
}
