import { Kafka, logLevel as KafkaLogLevel, type IHeaders, type KafkaConfig } from 'kafkajs';
import type { Logger } from '../logger.js';
import { fixKafkajsIdleLoop } from './idle-loop.js';
import { kafkaLogCreator } from './log.js';

/** The topics of the public contract. */
export const TOPICS = {
  events: 'webhooks.events',
  retry: 'webhooks.events.retry',
  dlq: 'webhooks.events.dlq',
} as const;

/** Default partition counts; `KAFKA_PARTITIONS_*` override them where topics are created. */
export const DEFAULT_PARTITIONS = { events: 6, retry: 3, dlq: 1 } as const;

/** Kafka record headers written by the handler and the consumer. */
export const HEADERS = {
  webhookId: 'webhook-id',
  eventType: 'event-type',
  customerId: 'customer-id',
  receivedAt: 'received-at',
  requestId: 'request-id',
  signedAt: 'webhook-timestamp',
  signatureScheme: 'signature-scheme',
  retryCount: 'retry_count',
  notBefore: 'retry-not-before',
  firstFailedAt: 'first-failed-at',
  // Dead-letter headers, after Spring Kafka's kafka_dlt-* and Kafka Connect's __connect.errors.*.
  originalTopic: 'dlt-original-topic',
  originalPartition: 'dlt-original-partition',
  originalOffset: 'dlt-original-offset',
  originalTimestamp: 'dlt-original-timestamp',
  consumerGroup: 'dlt-original-consumer-group',
  failedAt: 'dlt-failed-at',
  errorClass: 'dlt-exception-class',
  errorMessage: 'dlt-exception-message',
  replayedAt: 'replayed-at',
} as const;

/** Reads one header as a string (kafkajs hands them over as Buffers). */
export function headerString(headers: IHeaders | undefined, name: string): string | undefined {
  const v = headers?.[name];
  const one = Array.isArray(v) ? v[v.length - 1] : v;
  if (one === undefined || one === null) return undefined;
  return Buffer.isBuffer(one) ? one.toString('utf8') : String(one);
}

/** Reads a non-negative integer header; `fallback` when absent or not a number. */
export function headerInt(headers: IHeaders | undefined, name: string, fallback = 0): number {
  const raw = headerString(headers, name);
  if (raw === undefined || !/^\d+$/.test(raw)) return fallback;
  return Number(raw);
}

/**
 * A kafkajs client with our logging and a retry policy that rides out a broker restart; its
 * connections do not spin the event loop while idle (see idle-loop.ts).
 */
export function makeKafka(options: {
  clientId: string;
  brokers: readonly string[];
  logger: Logger;
  config?: Partial<KafkaConfig>;
  /** Leave kafkajs' idle loop as it is (KAFKAJS_IDLE_LOOP_FIX=off); the fix is process-wide. */
  fixIdleLoop?: boolean;
}): Kafka {
  if (options.fixIdleLoop !== false) fixKafkajsIdleLoop();
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    logLevel: KafkaLogLevel.WARN,
    logCreator: kafkaLogCreator(options.logger),
    connectionTimeout: 3000,
    requestTimeout: 10_000,
    retry: { initialRetryTime: 200, maxRetryTime: 5000, retries: 8 },
    ...options.config,
  });
}

/** How topics are replicated: copies of each partition, and how many must have a write (acks=all). */
export interface Replication {
  factor: number;
  minInsync: number;
}

/**
 * The replication a cluster of `brokers` gets: one copy on one broker; on three or more, three
 * copies with two in sync, so one broker may be down (or restarting) while every write still
 * lands on two.
 */
export function replicationFor(brokers: number): Replication {
  if (brokers >= 3) return { factor: 3, minInsync: 2 };
  return { factor: Math.max(1, brokers), minInsync: 1 };
}

/**
 * Creates the contract's topics when missing (idempotent) with explicit partition counts and
 * replication (default: one copy, for one broker). Returns the names it created.
 */
export async function ensureTopics(
  kafka: Kafka,
  partitions: { events: number; retry: number; dlq: number } = DEFAULT_PARTITIONS,
  replication: Replication = replicationFor(1),
): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const wanted = [
      { topic: TOPICS.events, numPartitions: partitions.events },
      { topic: TOPICS.retry, numPartitions: partitions.retry },
      { topic: TOPICS.dlq, numPartitions: partitions.dlq },
    ].filter((t) => !existing.has(t.topic));
    if (wanted.length === 0) return [];
    await admin.createTopics({
      waitForLeaders: true,
      topics: wanted.map((t) => ({
        ...t,
        replicationFactor: replication.factor,
        configEntries: [{ name: 'min.insync.replicas', value: String(replication.minInsync) }],
      })),
    });
    return wanted.map((t) => t.topic);
  } finally {
    await admin.disconnect();
  }
}
