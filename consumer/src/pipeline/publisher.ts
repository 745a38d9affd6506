import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import type { OutgoingRecord } from './failures.js';

/**
 * The producer for requeues, dead letters and replays: idempotent (so a broker-side retry never
 * writes a record twice), acks from all in-sync replicas, one request in flight (kafkajs needs it
 * for idempotence), and the Java-compatible partitioner so a key lands where other clients put it.
 * Its own retries are short: a batch handler must not block the member's heartbeat for long.
 */
export function createRetryProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { initialRetryTime: 200, maxRetryTime: 2000, retries: 3 },
  });
}

/** Publishes records, grouped by topic, in one request; resolves once all are acknowledged. */
export function makePublisher(producer: Pick<Producer, 'sendBatch'>) {
  return async (records: readonly OutgoingRecord[]): Promise<void> => {
    if (records.length === 0) return;
    const byTopic = new Map<string, Message[]>();
    for (const r of records) {
      const list = byTopic.get(r.topic) ?? [];
      list.push({ key: r.key, value: r.value, headers: r.headers });
      byTopic.set(r.topic, list);
    }
    await producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
  };
}
