import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford base32

/**
 * A sortable id (`prefix_` + 10 chars of time + 16 random chars, ULID-like), for webhook
 * message ids (`msg_…`) and the like.
 */
export function newId(prefix: string, now = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  const rand = randomBytes(16);
  let tail = '';
  for (const byte of rand) tail += ALPHABET[byte % 32]!;
  return `${prefix}_${time}${tail}`;
}
