import { createHmac, timingSafeEqual } from 'node:crypto';
import type { VerifyFailure, VerifyKey } from './standard-webhooks.js';

/**
 * GitHub's scheme (docs.github.com, "Validating webhook deliveries"): `X-Hub-Signature-256:
 * sha256=<hex HMAC-SHA256 of the raw body>` keyed with the secret's UTF-8 bytes; the event type in
 * `X-GitHub-Event`, a delivery GUID in `X-GitHub-Delivery`, the same on a redelivery. Nothing but the
 * body is signed, so there is no timestamp and no replay window: receivers dedupe on the delivery id.
 */
export const GITHUB_HEADERS = {
  signature: 'x-hub-signature-256',
  event: 'x-github-event',
  delivery: 'x-github-delivery',
} as const;

const PRINTABLE_ID = /^[\x21-\x7e]{1,255}$/;
const SIGNATURE_RE = /^sha256=([0-9a-fA-F]{64})$/;

function mac(key: Buffer, body: Buffer | string): Buffer {
  return createHmac('sha256', key).update(body).digest();
}

/** The `X-Hub-Signature-256` value for a body. */
export function githubSignature(key: Buffer, body: Buffer | string): string {
  return `sha256=${mac(key, body).toString('hex')}`;
}

/** The three headers GitHub sends with a delivery. GitHub holds one secret per hook: the newest signs. */
export function githubHeaders(input: {
  id: string;
  eventType: string;
  body: Buffer | string;
  key: Buffer;
}): Record<string, string> {
  return {
    'X-GitHub-Event': input.eventType,
    'X-GitHub-Delivery': input.id,
    'X-Hub-Signature-256': githubSignature(input.key, input.body),
  };
}

export type GithubVerifyResult<K> =
  { ok: true; key: K; id: string; eventType: string } | { ok: false; reason: VerifyFailure; message: string };

/** Verifies a GitHub-style delivery against candidate keys, in constant time per comparison. */
export function verifyGithub<K extends VerifyKey>(input: {
  headers: { signature?: string | null; event?: string | null; delivery?: string | null };
  body: Buffer;
  keys: Iterable<K>;
}): GithubVerifyResult<K> {
  const { signature, event, delivery } = input.headers;
  if (!signature || !event || !delivery) {
    const missing = [
      !signature && 'X-Hub-Signature-256',
      !event && 'X-GitHub-Event',
      !delivery && 'X-GitHub-Delivery',
    ].filter(Boolean);
    return { ok: false, reason: 'missing_headers', message: `missing header(s): ${missing.join(', ')}` };
  }
  const match = SIGNATURE_RE.exec(signature.trim());
  if (!match) {
    return {
      ok: false,
      reason: 'malformed_headers',
      message: 'X-Hub-Signature-256 must be sha256=<64 hex digits>',
    };
  }
  for (const [name, value] of [
    ['X-GitHub-Delivery', delivery],
    ['X-GitHub-Event', event],
  ] as const) {
    if (!PRINTABLE_ID.test(value)) {
      return {
        ok: false,
        reason: 'malformed_headers',
        message: `${name} must be 1-255 printable ASCII characters`,
      };
    }
  }
  const given = Buffer.from(match[1]!, 'hex');
  for (const candidate of input.keys) {
    if (timingSafeEqual(given, mac(candidate.key, input.body))) {
      return { ok: true, key: candidate, id: delivery, eventType: event };
    }
  }
  return { ok: false, reason: 'no_matching_signature', message: 'no signature matches a known secret' };
}
