import { createHmac, timingSafeEqual } from 'node:crypto';

/** The Go prototype's header: hex HMAC-SHA256 of the body under the raw secret string; nothing else is signed. */
export const LEGACY_SIGNATURE_HEADER = 'x-webhook-signature';

/** The Go prototype's legacy scheme: `x-webhook-signature` = hex HMAC-SHA256 of the body under the raw secret string. */
export function legacySignature(secret: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** Constant-time check of a legacy `x-webhook-signature` against one secret. */
export function verifyLegacySignature(secret: string, body: Buffer, header: string): boolean {
  if (!/^[0-9a-f]{64}$/i.test(header)) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(Buffer.from(header, 'hex'), expected);
}
