import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): the signed content is
 * `${id}.${timestamp}.${rawBody}`, signed with HMAC-SHA256 under the secret's decoded bytes,
 * sent as `webhook-signature: v1,<base64>` (several, space-separated, during a key rotation).
 */

export const SECRET_PREFIX = 'whsec_';
export const DEFAULT_TOLERANCE_SECONDS = 300;

export const SIGNATURE_HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;

/** Makes a new secret: `whsec_` + base64 of `bytes` random bytes (Standard Webhooks allows 24–64). */
export function generateSecret(bytes = 32): string {
  if (bytes < 24 || bytes > 64) throw new RangeError('a secret has 24 to 64 random bytes');
  return SECRET_PREFIX + randomBytes(bytes).toString('base64');
}

/** Decodes a `whsec_` secret to its key bytes; `null` when it is not one. */
export function decodeSecret(secret: string): Buffer | null {
  return SECRET_PATTERN.test(secret) ? Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64') : null;
}

/**
 * Exactly the secrets {@link decodeSecret} takes: `whsec_` + 22–171 base64 characters (16–128
 * key bytes), padded or not. Published as is in the OpenAPI documents.
 */
export const SECRET_PATTERN = /^whsec_[A-Za-z0-9+/]{22,171}={0,2}$/;

/** Whether `secret` is a well-formed `whsec_` secret. */
export function isValidSecret(secret: string): boolean {
  return decodeSecret(secret) !== null;
}

function mac(key: Buffer, id: string, timestamp: number | string, body: Buffer | string): Buffer {
  const h = createHmac('sha256', key);
  h.update(`${id}.${timestamp}.`);
  h.update(body);
  return h.digest();
}

export interface SignInput {
  id: string;
  /** Unix seconds. */
  timestamp: number;
  body: Buffer | string;
  /** One secret, or several during a rotation: each yields one `v1,` entry. */
  secrets: string | readonly string[];
}

/** Returns the `webhook-signature` header value for a message. */
export function sign(input: SignInput): string {
  const secrets = typeof input.secrets === 'string' ? [input.secrets] : input.secrets;
  if (secrets.length === 0) throw new Error('sign needs at least one secret');
  return secrets
    .map((secret) => {
      const key = decodeSecret(secret);
      if (!key) throw new Error('not a whsec_ secret');
      return `v1,${mac(key, input.id, input.timestamp, input.body).toString('base64')}`;
    })
    .join(' ');
}

/** The three Standard Webhooks headers for a message. */
export function signatureHeaders(input: SignInput): Record<string, string> {
  return {
    [SIGNATURE_HEADERS.id]: input.id,
    [SIGNATURE_HEADERS.timestamp]: String(input.timestamp),
    [SIGNATURE_HEADERS.signature]: sign(input),
  };
}

export type VerifyFailure =
  | 'missing_headers'
  | 'malformed_headers'
  | 'timestamp_too_old'
  | 'timestamp_in_future'
  | 'no_matching_signature';

export type VerifyResult<K> =
  { ok: true; key: K; timestamp: number } | { ok: false; reason: VerifyFailure; message: string };

export interface VerifyKey {
  /** Decoded key bytes (see {@link decodeSecret}). */
  key: Buffer;
}

export interface VerifyInput<K extends VerifyKey> {
  headers: { id?: string | null; timestamp?: string | null; signature?: string | null };
  body: Buffer;
  /** Candidate keys; the first whose MAC matches any `v1,` entry wins. */
  keys: Iterable<K>;
  /** Unix seconds now. */
  now: number;
  toleranceSeconds?: number;
}

const ID_RE = /^[\x21-\x7e]{1,255}$/;
const TIMESTAMP_RE = /^\d{1,15}$/;

/** Checks the headers' shape and the timestamp window without touching any key. */
export function checkSignatureHeaders(
  headers: VerifyInput<VerifyKey>['headers'],
  now: number,
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
):
  | { ok: true; id: string; timestamp: number; signatures: Buffer[] }
  | { ok: false; reason: VerifyFailure; message: string } {
  const { id, timestamp, signature } = headers;
  const missing = [
    !id && SIGNATURE_HEADERS.id,
    !timestamp && SIGNATURE_HEADERS.timestamp,
    !signature && SIGNATURE_HEADERS.signature,
  ].filter(Boolean);
  if (!id || !timestamp || !signature) {
    return { ok: false, reason: 'missing_headers', message: `missing header(s): ${missing.join(', ')}` };
  }
  if (!ID_RE.test(id)) {
    return {
      ok: false,
      reason: 'malformed_headers',
      message: `${SIGNATURE_HEADERS.id} must be 1-255 printable ASCII characters`,
    };
  }
  if (!TIMESTAMP_RE.test(timestamp)) {
    return {
      ok: false,
      reason: 'malformed_headers',
      message: `${SIGNATURE_HEADERS.timestamp} must be integer Unix seconds`,
    };
  }
  const signatures: Buffer[] = [];
  for (const entry of signature.trim().split(/\s+/)) {
    const comma = entry.indexOf(',');
    if (comma <= 0) continue;
    if (entry.slice(0, comma) !== 'v1') continue; // other schemes (v1a, …) are not ours to check
    const raw = entry.slice(comma + 1);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(raw)) continue;
    const sig = Buffer.from(raw, 'base64');
    if (sig.length === 32) signatures.push(sig);
  }
  if (signatures.length === 0) {
    return {
      ok: false,
      reason: 'malformed_headers',
      message: `${SIGNATURE_HEADERS.signature} holds no well-formed v1,<base64 HMAC-SHA256> entry`,
    };
  }
  const ts = Number(timestamp);
  if (ts < now - toleranceSeconds) {
    return {
      ok: false,
      reason: 'timestamp_too_old',
      message: `${SIGNATURE_HEADERS.timestamp} is more than ${toleranceSeconds} s old`,
    };
  }
  if (ts > now + toleranceSeconds) {
    return {
      ok: false,
      reason: 'timestamp_in_future',
      message: `${SIGNATURE_HEADERS.timestamp} is more than ${toleranceSeconds} s in the future`,
    };
  }
  return { ok: true, id, timestamp: ts, signatures };
}

/**
 * Verifies a message against candidate keys, in constant time per comparison. Returns the key
 * that matched (so a receiver learns whose secret signed it) or why it failed; never throws on
 * bad input.
 */
export function verify<K extends VerifyKey>(input: VerifyInput<K>): VerifyResult<K> {
  const checked = checkSignatureHeaders(input.headers, input.now, input.toleranceSeconds);
  if (!checked.ok) return checked;
  for (const candidate of input.keys) {
    const expected = mac(candidate.key, checked.id, input.headers.timestamp ?? '', input.body);
    for (const sig of checked.signatures) {
      if (sig.length === expected.length && timingSafeEqual(sig, expected)) {
        return { ok: true, key: candidate, timestamp: checked.timestamp };
      }
    }
  }
  return { ok: false, reason: 'no_matching_signature', message: 'no signature matches a known secret' };
}
