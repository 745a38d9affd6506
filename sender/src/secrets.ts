import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Signing secrets at rest. HMAC needs the secret in clear, so it cannot be hashed like a
 * password: without SENDER_SECRET_KEY it is stored as the whsec_ value (protected by the
 * database's access control); with the key it is sealed with AES-256-GCM as
 * `sealed1:<iv>:<tag>:<ciphertext>` (base64 parts), and opened only to sign.
 */
export interface SecretBox {
  seal(secret: string): string;
  open(stored: string): string;
}

const PREFIX = 'sealed1:';

export function makeSecretBox(key: Buffer | null): SecretBox {
  // Opening is on the delivery hot path; a sealed value always opens to the same secret.
  const opened = new Map<string, string>();
  return {
    seal(secret) {
      if (!key) return secret;
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const ct = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
      return `${PREFIX}${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${ct.toString('base64')}`;
    },
    open(stored) {
      if (!stored.startsWith(PREFIX)) return stored;
      const hit = opened.get(stored);
      if (hit !== undefined) return hit;
      if (!key) throw new Error('a stored secret is sealed but SENDER_SECRET_KEY is not set');
      const [iv, tag, ct] = stored.slice(PREFIX.length).split(':');
      if (iv === undefined || tag === undefined || ct === undefined)
        throw new Error('malformed sealed secret');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      const secret = Buffer.concat([decipher.update(Buffer.from(ct, 'base64')), decipher.final()]).toString(
        'utf8',
      );
      if (opened.size > 10_000) opened.clear();
      opened.set(stored, secret);
      return secret;
    },
  };
}
