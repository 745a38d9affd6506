import type { Message, Producer } from 'kafkajs';
import type { Logger } from '../logger.js';
import { makeProducerHolder } from './producer-holder.js';
import { chunkBySize, type TopicRecord } from './records.js';

/** What the publisher needs of a kafkajs producer. */
export type PublisherProducer = Pick<Producer, 'connect' | 'disconnect' | 'sendBatch'>;

export interface KafkaPublisher {
  /** Publishes records, grouped by topic, with acks=all; resolves once all are acknowledged. */
  publish(records: readonly TopicRecord[]): Promise<void>;
  /** Waits for the sends in hand, then disconnects; later publishes fail. */
  stop(): Promise<void>;
}

/**
 * Publishes to any topics through a producer that connects on the next send after a failure
 * (see makeProducerHolder). Sends are serialised, so no other send rides on a producer that
 * just failed, and split into requests of at most `maxRequestBytes` of records.
 */
export function makeKafkaPublisher(deps: {
  makeProducer: () => PublisherProducer;
  logger: Logger;
  /** Most record bytes (see recordSize) in one request; default 512 KiB. */
  maxRequestBytes?: number;
}): KafkaPublisher {
  const maxRequestBytes = deps.maxRequestBytes ?? 512 * 1024;
  const holder = makeProducerHolder({
    makeProducer: deps.makeProducer,
    connect: 'on-send',
    logger: deps.logger.child({ component: 'kafka-publisher' }),
  });
  let queue: Promise<unknown> = Promise.resolve();

  const sendChunk = async (records: readonly TopicRecord[]): Promise<void> => {
    const byTopic = new Map<string, Message[]>();
    for (const r of records) {
      const list = byTopic.get(r.topic) ?? [];
      list.push({ key: r.key, value: r.value, headers: r.headers });
      byTopic.set(r.topic, list);
    }
    const topicMessages = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
    await holder.send((p) => p.sendBatch({ acks: -1, topicMessages }));
  };

  const send = async (records: readonly TopicRecord[]): Promise<void> => {
    // One request per chunk: all of a chunk's records for one partition travel as one record
    // batch, which the broker refuses past message.max.bytes (1 MiB by default) — a batch of many
    // dead letters to the single DLQ partition would otherwise be refused forever.
    for (const chunk of chunkBySize(records, maxRequestBytes)) await sendChunk(chunk);
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
      await holder.stop();
    },
  };
}
