import type { Message } from 'kafkajs';

/** One record to send: kafkajs' message without a partition or timestamp of its own. */
export type OutRecord = Pick<Message, 'key' | 'value' | 'headers'>;

/** A record with the topic it goes to, for sends that span topics. */
export type TopicRecord = OutRecord & { topic: string };

const bytes = (v: Buffer | string | null | undefined): number => (v == null ? 0 : Buffer.byteLength(v));

/**
 * Estimates what a record adds to a produce request: the bytes of its key, its value and its
 * header names and values. Kafka's own framing (in the v2 record format some 10 bytes per
 * record and 2 per header) is not counted: the limits this is compared with stay far enough
 * below the broker's 1 MiB `message.max.bytes` to absorb it.
 */
export function recordSize(r: OutRecord): number {
  let n = bytes(r.key) + bytes(r.value);
  const headers = r.headers;
  if (!headers) return n;
  // Runs once per record on the handler's hot path: no entry arrays, no flat().
  for (const name of Object.keys(headers)) {
    const v = headers[name];
    if (!Array.isArray(v)) n += Buffer.byteLength(name) + bytes(v);
    else for (const one of v) n += Buffer.byteLength(name) + bytes(one);
  }
  return n;
}

/** Splits records, in order, into chunks of at most `maxBytes` (a larger record goes alone). */
export function chunkBySize<R extends OutRecord>(records: readonly R[], maxBytes: number): R[][] {
  const chunks: R[][] = [];
  let current: R[] = [];
  let size = 0;
  for (const r of records) {
    const n = recordSize(r);
    if (current.length > 0 && size + n > maxBytes) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(r);
    size += n;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
