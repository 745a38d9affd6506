import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import { errorMessage, type Logger } from '@hookpipe/lib';
import type { OutgoingRecord } from './failures.js';

/**
 * The producer for requeues, dead letters and replays: idempotent (so a broker-side retry never
 * writes a record twice), acks from all in-sync replicas, one request in flight (kafkajs needs it
 * for idempotence), and the Java-compatible partitioner so a key lands where other clients put it.
 * Its own retries are short: a batch handler must not block the member's heartbeat for long.
 */
export function makeRetryProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { initialRetryTime: 200, maxRetryTime: 2000, retries: 3 },
  });
}

/** A record's size as sent: key, value and headers (names and values). */
export function recordBytes(r: OutgoingRecord): number {
  let n = (r.key?.length ?? 0) + (r.value?.length ?? 0);
  for (const [k, v] of Object.entries(r.headers ?? {})) {
    for (const one of [v].flat()) n += k.length + (one === undefined ? 0 : Buffer.byteLength(one));
  }
  return n;
}

/** Splits records, in order, into chunks of at most `maxBytes` (a larger record goes alone). */
export function chunkBySize(records: readonly OutgoingRecord[], maxBytes: number): OutgoingRecord[][] {
  const chunks: OutgoingRecord[][] = [];
  let current: OutgoingRecord[] = [];
  let size = 0;
  for (const r of records) {
    const n = recordBytes(r);
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

export type ProducerLike = Pick<Producer, 'connect' | 'disconnect' | 'sendBatch'>;

export interface Publisher {
  /** Publishes records, grouped by topic, in one request; resolves once all are acknowledged. */
  publish(records: readonly OutgoingRecord[]): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Owns the producer. Sends are serialised, and after ANY failed send the producer is dropped
 * and the next send connects a new one. kafkajs rolls a failed request's sequence numbers back,
 * yet the broker may have appended it (a timeout); the next batch under the same producer id
 * would reuse those numbers and be acknowledged as a duplicate without being written. A new
 * producer id cannot collide, and serialising means no other send rides on the broken one.
 */
export function makePublisher(deps: {
  makeProducer: () => ProducerLike;
  logger: Logger;
  /** Most record bytes (key, value, headers) in one request; default 512 KiB. */
  maxRequestBytes?: number;
}): Publisher {
  const maxRequestBytes = deps.maxRequestBytes ?? 512 * 1024;
  let producer: ProducerLike | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  let stopped = false;

  const connected = async (): Promise<ProducerLike> => {
    if (producer) return producer;
    const candidate = deps.makeProducer();
    try {
      await candidate.connect();
    } catch (err) {
      await candidate.disconnect().catch(() => undefined);
      throw err;
    }
    producer = candidate;
    return candidate;
  };

  const send = async (records: readonly OutgoingRecord[]): Promise<void> => {
    if (stopped) throw new Error('the publisher is stopped');
    // One request per chunk: all of a chunk's records for one partition travel as one record
    // batch, which the broker refuses past message.max.bytes (1 MiB by default) — a batch of many
    // dead letters to the single DLQ partition would otherwise be refused forever.
    for (const chunk of chunkBySize(records, maxRequestBytes)) await sendChunk(chunk);
  };

  const sendChunk = async (records: readonly OutgoingRecord[]): Promise<void> => {
    const byTopic = new Map<string, Message[]>();
    for (const r of records) {
      const list = byTopic.get(r.topic) ?? [];
      list.push({ key: r.key, value: r.value, headers: r.headers });
      byTopic.set(r.topic, list);
    }
    const current = await connected();
    try {
      await current.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
    } catch (err) {
      producer = undefined;
      deps.logger.warn({ err: errorMessage(err) }, 'Kafka send failed; replacing the producer');
      await current.disconnect().catch(() => undefined);
      throw err;
    }
  };

  return {
    publish(records) {
      if (records.length === 0) return Promise.resolve();
      const result = queue.then(() => send(records));
      queue = result.catch(() => undefined);
      return result;
    },
    async stop() {
      await queue;
      stopped = true;
      const current = producer;
      producer = undefined;
      await current?.disconnect();
    },
  };
}
