import type { Kafka } from 'kafkajs';
import {
  makeIdempotentProducer,
  makeKafkaPublisher,
  type Clock,
  type KafkaPublisher,
  type Logger,
  type Pool,
} from '@hookpipe/lib';
import type { Config } from '../config.js';
import { makePipelineStore, type PipelineStore } from '../store/pipeline-store.js';
import { decodeRecord } from './decode.js';
import { makeEventConsumer, type EventConsumer, type EventConsumerOptions } from './event-consumer.js';
import { makeFailureInjector } from './failure-injection.js';
import { processBatch } from './process-batch.js';

/** The settings the pipeline reads (the service's config, or a copy with some overridden). */
export type PipelineConfig = Pick<
  Config,
  | 'LOG_EVENTS'
  | 'CONSUMER_GROUP'
  | 'CONSUMER_PARTITIONS_CONCURRENTLY'
  | 'CONSUMER_FETCH_MAX_WAIT_MS'
  | 'CONSUMER_MAX_BYTES_PER_PARTITION'
  | 'CONSUMER_SESSION_TIMEOUT_MS'
  | 'CONSUMER_HEARTBEAT_INTERVAL_MS'
  | 'CONSUMER_INSERT_BATCH_SIZE'
  | 'CONSUMER_MAX_RETRIES'
  | 'CONSUMER_RETRY_BASE_MS'
  | 'CONSUMER_RETRY_CAP_MS'
  | 'CONSUMER_DB_RETRY_BASE_MS'
  | 'CONSUMER_DB_RETRY_CAP_MS'
  | 'CONSUMER_FAILURE_INJECTION'
  | 'CONSUMER_FAIL_RATE'
>;

export interface ConsumerPipeline {
  /** The group member; `start` joins and consumes, `stop` finishes the batches in hand and leaves. */
  consumer: EventConsumer;
  /** Requeues, dead letters and replays; stop it after the consumer and anything else that publishes. */
  publisher: KafkaPublisher;
  /** The decoder and store the pipeline writes with, for measurements against the same code. */
  decode: typeof decodeRecord;
  store: PipelineStore;
}

/**
 * The consumer's pipeline, wired: the group member reads `topics`, each partition's batch is
 * decoded, persisted with multi-row inserts, and its failures requeued or dead-lettered through
 * one publisher. Nothing connects until `consumer.start()` or the first publish.
 */
export function makeConsumerPipeline(deps: {
  kafka: Kafka;
  pool: Pool;
  config: PipelineConfig;
  topics: readonly string[];
  clock: Clock;
  logger: Logger;
  onOutcome?: EventConsumerOptions['onOutcome'];
}): ConsumerPipeline {
  const { config, clock, logger } = deps;
  const publisher = makeKafkaPublisher({
    // Short retries inside one send: a batch handler must not block the member's heartbeat for long.
    makeProducer: () =>
      makeIdempotentProducer(deps.kafka, { initialRetryTime: 200, maxRetryTime: 2000, retries: 3 }),
    logger,
  });
  const store = makePipelineStore(deps.pool, clock);
  const injectFailure = makeFailureInjector({
    enabled: config.CONSUMER_FAILURE_INJECTION,
    failRate: config.CONSUMER_FAIL_RATE,
  });
  const consumer = makeEventConsumer({
    kafka: deps.kafka,
    groupId: config.CONSUMER_GROUP,
    topics: deps.topics,
    partitionsConcurrently: config.CONSUMER_PARTITIONS_CONCURRENTLY,
    fetchMaxWaitMs: config.CONSUMER_FETCH_MAX_WAIT_MS,
    maxBytesPerPartition: config.CONSUMER_MAX_BYTES_PER_PARTITION,
    sessionTimeoutMs: config.CONSUMER_SESSION_TIMEOUT_MS,
    heartbeatIntervalMs: config.CONSUMER_HEARTBEAT_INTERVAL_MS,
    infraRetry: { baseMs: config.CONSUMER_DB_RETRY_BASE_MS, capMs: config.CONSUMER_DB_RETRY_CAP_MS },
    clock,
    logger,
    onOutcome: deps.onOutcome,
    process: (records, heartbeat) =>
      processBatch(records, {
        store,
        publish: (outgoing) => publisher.publish(outgoing),
        injectFailure,
        policy: {
          maxRetries: config.CONSUMER_MAX_RETRIES,
          baseMs: config.CONSUMER_RETRY_BASE_MS,
          capMs: config.CONSUMER_RETRY_CAP_MS,
        },
        consumerGroup: config.CONSUMER_GROUP,
        insertBatchSize: config.CONSUMER_INSERT_BATCH_SIZE,
        clock,
        logger,
        logEvents: config.LOG_EVENTS,
        heartbeat,
      }),
  });
  return { consumer, publisher, decode: decodeRecord, store };
}
