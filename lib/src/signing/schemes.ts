import { randomBytes } from 'node:crypto';
import { githubHeaders } from './github.js';
import { decodeSecret, generateSecret, signatureHeaders } from './standard-webhooks.js';
import { stripeSignature } from './stripe.js';

/** The signature schemes a webhook (sender) or a receiver secret (keyring) can carry. */
export const SIGNATURE_SCHEMES = ['standard-webhooks', 'github', 'stripe'] as const;
export type SignatureScheme = (typeof SIGNATURE_SCHEMES)[number];
export const DEFAULT_SIGNATURE_SCHEME: SignatureScheme = 'standard-webhooks';

export const isSignatureScheme = (value: unknown): value is SignatureScheme =>
  typeof value === 'string' && (SIGNATURE_SCHEMES as readonly string[]).includes(value);

/** GitHub and Stripe key their HMAC with the secret's own bytes: any printable string will do. */
export const PRINTABLE_SECRET_PATTERN = /^[\x20-\x7e]{16,256}$/;

/**
 * Why `secret` cannot be used with `scheme`, or null when it can. Standard Webhooks wants
 * `whsec_` + base64 of 16–128 bytes (its key is the decoded bytes); the others any printable
 * ASCII string of 16–256 characters (spaces included, as in GitHub's own example).
 */
export function secretProblem(scheme: SignatureScheme, secret: string): string | null {
  if (scheme === 'standard-webhooks') {
    return decodeSecret(secret)
      ? null
      : 'a standard-webhooks secret is whsec_ followed by base64 of 16-128 bytes';
  }
  return PRINTABLE_SECRET_PATTERN.test(secret)
    ? null
    : `a ${scheme} secret is 16-256 printable ASCII characters`;
}

/** The HMAC key of a secret under a scheme; null when the secret does not fit the scheme. */
export function schemeKey(scheme: SignatureScheme, secret: string): Buffer | null {
  if (scheme === 'standard-webhooks') return decodeSecret(secret);
  return PRINTABLE_SECRET_PATTERN.test(secret) ? Buffer.from(secret, 'utf8') : null;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `length` random characters of 0-9, A-Z, a-z, each equally likely. */
export function randomBase62(length: number): string {
  let out = '';
  // 248 = 4 × 62: bytes at or above it are dropped so that every character is equally likely.
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b < 248 && out.length < length) out += BASE62[b % 62];
    }
  }
  return out;
}

/** A new random secret in the form the scheme's provider issues. */
export function generateSchemeSecret(scheme: SignatureScheme): string {
  switch (scheme) {
    case 'standard-webhooks':
      return generateSecret(32);
    case 'github':
      return randomBytes(32).toString('hex');
    case 'stripe':
      return `whsec_${randomBase62(32)}`;
  }
}

/** A Stripe-style event id, `evt_` and 24 base62 characters: a `stripe` message's id. */
export function stripeEventId(): string {
  return `evt_${randomBase62(24)}`;
}

export interface SignRequest {
  scheme: SignatureScheme;
  /** The message id: `webhook-id` / `X-GitHub-Delivery` (Stripe carries it in the body). */
  id: string;
  /** Unix seconds. */
  timestamp: number;
  eventType: string;
  body: Buffer | string;
  /** Every valid secret, newest first. */
  secrets: readonly string[];
}

/**
 * The signature headers of one attempt under a scheme. Standard Webhooks and Stripe sign with
 * every valid secret (one entry each, for a rotation); GitHub has one secret per hook, the newest.
 */
export function signRequest(req: SignRequest): Record<string, string> {
  if (req.secrets.length === 0) throw new Error('signing needs at least one secret');
  const keys = req.secrets.map((s) => {
    const key = schemeKey(req.scheme, s);
    if (!key) throw new Error(`a secret does not fit the ${req.scheme} scheme`);
    return key;
  });
  switch (req.scheme) {
    case 'standard-webhooks':
      return signatureHeaders({ id: req.id, timestamp: req.timestamp, body: req.body, secrets: req.secrets });
    case 'github':
      return githubHeaders({ id: req.id, eventType: req.eventType, body: req.body, key: keys[0]! });
    case 'stripe':
      return { 'Stripe-Signature': stripeSignature({ timestamp: req.timestamp, body: req.body, keys }) };
  }
}
