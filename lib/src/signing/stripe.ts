import { createHmac, timingSafeEqual } from 'node:crypto';
import { DEFAULT_TOLERANCE_SECONDS, type VerifyFailure, type VerifyKey } from './standard-webhooks.js';

/**
 * Stripe's scheme (docs.stripe.com, "Check the webhook signatures", "Verify manually"):
 * `Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, keyed with the
 * endpoint secret's UTF-8 bytes (the whole `whsec_…` string), one `v1=` per valid secret while a
 * secret is rolled. Other schemes in the header (`v0=`) are ignored. The message id is the event
 * body's `id`, so a receiver reads it after verifying.
 */
export const STRIPE_SIGNATURE_HEADER = 'stripe-signature';

const TIMESTAMP_RE = /^\d{1,15}$/;
const HEX_SIG_RE = /^[0-9a-fA-F]{64}$/;

function mac(key: Buffer, timestamp: number | string, body: Buffer | string): Buffer {
  return createHmac('sha256', key).update(`${timestamp}.`).update(body).digest();
}

/** The `Stripe-Signature` value: `t=…` then one `v1=…` per key (rotation). */
export function stripeSignature(input: {
  timestamp: number;
  body: Buffer | string;
  keys: readonly Buffer[];
}): string {
  if (input.keys.length === 0) throw new Error('stripeSignature needs at least one key');
  const v1 = input.keys.map((k) => `v1=${mac(k, input.timestamp, input.body).toString('hex')}`);
  return [`t=${input.timestamp}`, ...v1].join(',');
}

/** Splits a `Stripe-Signature` value into its timestamp text and its well-formed `v1` signatures. */
export function parseStripeSignature(header: string): { timestamp: string | undefined; v1: Buffer[] } {
  let timestamp: string | undefined;
  const v1: Buffer[] = [];
  for (const item of header.split(',')) {
    const eq = item.indexOf('=');
    if (eq <= 0) continue;
    const name = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    if (name === 't') timestamp = value;
    else if (name === 'v1' && HEX_SIG_RE.test(value)) v1.push(Buffer.from(value, 'hex'));
  }
  return { timestamp, v1 };
}

export type StripeVerifyResult<K> =
  { ok: true; key: K; timestamp: number } | { ok: false; reason: VerifyFailure; message: string };

/**
 * Verifies a Stripe-style request against candidate keys: header shape, then the tolerance window
 * on `t` (either side of now), then the signatures in constant time.
 */
export function verifyStripe<K extends VerifyKey>(input: {
  header: string | null | undefined;
  body: Buffer;
  keys: Iterable<K>;
  /** Unix seconds now. */
  now: number;
  toleranceSeconds?: number;
}): StripeVerifyResult<K> {
  const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (!input.header)
    return { ok: false, reason: 'missing_headers', message: 'missing header(s): Stripe-Signature' };
  const { timestamp, v1 } = parseStripeSignature(input.header);
  if (timestamp === undefined || !TIMESTAMP_RE.test(timestamp)) {
    return {
      ok: false,
      reason: 'malformed_headers',
      message: 'Stripe-Signature needs t=<integer Unix seconds>',
    };
  }
  if (v1.length === 0) {
    return {
      ok: false,
      reason: 'malformed_headers',
      message: 'Stripe-Signature holds no well-formed v1=<64 hex digits> entry',
    };
  }
  const ts = Number(timestamp);
  if (ts < input.now - tolerance) {
    return {
      ok: false,
      reason: 'timestamp_too_old',
      message: `Stripe-Signature t is more than ${tolerance} s old`,
    };
  }
  if (ts > input.now + tolerance) {
    return {
      ok: false,
      reason: 'timestamp_in_future',
      message: `Stripe-Signature t is more than ${tolerance} s in the future`,
    };
  }
  for (const candidate of input.keys) {
    const expected = mac(candidate.key, timestamp, input.body);
    if (v1.some((sig) => timingSafeEqual(sig, expected))) return { ok: true, key: candidate, timestamp: ts };
  }
  return { ok: false, reason: 'no_matching_signature', message: 'no signature matches a known secret' };
}
