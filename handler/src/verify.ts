import {
  GITHUB_HEADERS,
  LEGACY_SIGNATURE_HEADER,
  SIGNATURE_HEADERS,
  STRIPE_SIGNATURE_HEADER,
  verify,
  verifyGithub,
  verifyLegacySignature,
  verifyStripe,
  type SignatureScheme,
  type VerifyFailure,
} from '@hookpipe/lib';
import type { KeyringEntry } from './keyring.js';

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

/**
 * A verified request. `messageId` is what the receiver dedupes on: `webhook-id` or
 * `X-GitHub-Delivery`; a Stripe request carries it in the body (read by the event check), a legacy
 * one in `webhook-id` or the body's `event_id`.
 */
export type Verified = {
  ok: true;
  entry: KeyringEntry;
  messageId: string | undefined;
  /** The signed timestamp (Unix seconds), for the schemes that sign one. */
  timestamp?: number;
  /** The event type a header names (GitHub's `X-GitHub-Event`). */
  eventType?: string;
} & ({ scheme: SignatureScheme } | { scheme: 'legacy' });

const FAILURE_ANSWER: Record<VerifyFailure, { status: 400 | 401; code: string }> = {
  missing_headers: { status: 400, code: 'missing_signature_headers' },
  malformed_headers: { status: 400, code: 'malformed_signature_headers' },
  timestamp_too_old: { status: 401, code: 'timestamp_out_of_tolerance' },
  timestamp_in_future: { status: 401, code: 'timestamp_out_of_tolerance' },
  no_matching_signature: { status: 401, code: 'invalid_signature' },
};

const ID_RE = /^[\x21-\x7e]{1,255}$/;

export interface VerifyRequestInput {
  header: (name: string) => string | undefined;
  body: Buffer;
  /** The secrets a request of this scheme may be signed with (the keyring's, or one customer's). */
  keysFor: (scheme: SignatureScheme) => Iterable<KeyringEntry>;
  nowSeconds: number;
  toleranceSeconds: number;
  legacy: boolean;
}

/**
 * Which scheme signed a request, by its signature header: `webhook-signature` (Standard
 * Webhooks), `X-Hub-Signature-256` or any `X-GitHub-*` header (GitHub), `Stripe-Signature`
 * (Stripe), the Go prototype's `x-webhook-signature` when enabled. With none of them, Standard Webhooks:
 * its answer names the headers it misses.
 */
export function detectScheme(
  header: VerifyRequestInput['header'],
  legacy: boolean,
): SignatureScheme | 'legacy' {
  if (header(SIGNATURE_HEADERS.signature) !== undefined) return 'standard-webhooks';
  if (
    header(GITHUB_HEADERS.signature) !== undefined ||
    header(GITHUB_HEADERS.delivery) !== undefined ||
    header(GITHUB_HEADERS.event) !== undefined
  ) {
    return 'github';
  }
  if (header(STRIPE_SIGNATURE_HEADER) !== undefined) return 'stripe';
  if (legacy && header(LEGACY_SIGNATURE_HEADER) !== undefined) return 'legacy';
  return 'standard-webhooks';
}

/** Verifies the raw body, before anything parses it, against the keyring's secrets of its scheme. */
export function verifyRequest(input: VerifyRequestInput): Verified | Rejection {
  const { header } = input;
  const scheme = detectScheme(header, input.legacy);
  switch (scheme) {
    case 'legacy':
      return verifyLegacy(input);
    case 'standard-webhooks': {
      const result = verify({
        headers: {
          id: header(SIGNATURE_HEADERS.id),
          timestamp: header(SIGNATURE_HEADERS.timestamp),
          signature: header(SIGNATURE_HEADERS.signature),
        },
        body: input.body,
        keys: input.keysFor(scheme),
        now: input.nowSeconds,
        toleranceSeconds: input.toleranceSeconds,
      });
      if (!result.ok) return rejection(result);
      return {
        ok: true,
        scheme,
        entry: result.key,
        messageId: header(SIGNATURE_HEADERS.id),
        timestamp: result.timestamp,
      };
    }
    case 'github': {
      const result = verifyGithub({
        headers: {
          signature: header(GITHUB_HEADERS.signature),
          event: header(GITHUB_HEADERS.event),
          delivery: header(GITHUB_HEADERS.delivery),
        },
        body: input.body,
        keys: input.keysFor(scheme),
      });
      if (!result.ok) return rejection(result);
      return { ok: true, scheme, entry: result.key, messageId: result.id, eventType: result.eventType };
    }
    case 'stripe': {
      const result = verifyStripe({
        header: header(STRIPE_SIGNATURE_HEADER),
        body: input.body,
        keys: input.keysFor(scheme),
        now: input.nowSeconds,
        toleranceSeconds: input.toleranceSeconds,
      });
      if (!result.ok) return rejection(result);
      return { ok: true, scheme, entry: result.key, messageId: undefined, timestamp: result.timestamp };
    }
  }
}

function rejection(result: { reason: VerifyFailure; message: string }): Rejection {
  return { ok: false, ...FAILURE_ANSWER[result.reason], message: result.message, reason: result.reason };
}

/** The Go prototype's scheme: hex HMAC-SHA256 of the body under a Standard Webhooks secret's string. */
function verifyLegacy(input: VerifyRequestInput): Verified | Rejection {
  const signature = (input.header(LEGACY_SIGNATURE_HEADER) ?? '').trim();
  const webhookId = input.header(SIGNATURE_HEADERS.id);
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
  let entry: KeyringEntry | undefined;
  for (const k of input.keysFor('standard-webhooks')) {
    if (verifyLegacySignature(k.secret, input.body, signature)) {
      entry = k;
      break;
    }
  }
  if (!entry) {
    return {
      ok: false,
      status: 401,
      code: 'invalid_signature',
      message: `${LEGACY_SIGNATURE_HEADER} matches no known secret`,
      reason: 'legacy_no_matching_signature',
    };
  }
  return { ok: true, scheme: 'legacy', entry, messageId: webhookId };
}
