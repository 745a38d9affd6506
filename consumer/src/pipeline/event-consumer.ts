import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { errorMessage, exponentialBackoff, type Clock, type Logger } from '@hookpipe/lib';
import type { BatchOutcome, Hold } from './process-batch.js';
import type { SourceRecord } from './types.js';

export interface EventConsumerOptions {
  kafka: Kafka;
  groupId: string;
  topics: readonly string[];
  /** Processes one partition's records in order (see processBatch). */
  process(records: readonly SourceRecord[], heartbeat: () => Promise<void>): Promise<BatchOutcome>;
  partitionsConcurrently: number;
  fetchMaxWaitMs: number;
  /**
   * A fetch returns once this much data is there or fetchMaxWaitMs passed. Above 1 byte, a
   * steady stream arrives in batches of many records instead of one or two: far fewer inserts,
   * commits and offset commits per event (docs/benchmarks.md, tuning log). Default 64 KiB.
   */
  fetchMinBytes?: number;
  maxBytesPerPartition: number;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** Backoff of an infrastructure hold (database or broker down), per partition. */
  infraRetry: { baseMs: number; capMs: number };
  onOutcome?(topic: string, partition: number, outcome: BatchOutcome): void;
  clock: Clock;
  logger: Logger;
}

export interface EventConsumerStatus {
  running: boolean;
  /** Whether the member holds an assignment of the current generation. */
  joined: boolean;
  memberId: string | null;
  /** Partitions waiting, and why. */
  holds: { topic: string; partition: number; reason: Hold['reason']; offset: string; resumeAt: string }[];
}

export const DEFAULT_FETCH_MIN_BYTES = 64 * 1024;

/**
 * The kafkajs consumer group loop. Offsets are resolved and committed only through the last
 * record whose outcome is durable. A partition that must wait (a retry not due yet, or the
 * database or broker down) is paused, sought back to its first undone record, and resumed by a
 * timer: the batch handler returns at once, so other partitions keep flowing and the member keeps
 * heartbeating.
 */
export function makeEventConsumer(options: EventConsumerOptions) {
  const { logger, clock } = options;
  const consumer: Consumer = options.kafka.consumer({
    groupId: options.groupId,
    sessionTimeout: options.sessionTimeoutMs,
    heartbeatInterval: options.heartbeatIntervalMs,
    maxWaitTimeInMs: options.fetchMaxWaitMs,
    minBytes: options.fetchMinBytes ?? DEFAULT_FETCH_MIN_BYTES,
    maxBytesPerPartition: options.maxBytesPerPartition,
    allowAutoTopicCreation: false,
    // Never go idle after an error (one of the seed's defects): kafkajs restarts the member.
    retry: {
      initialRetryTime: 300,
      maxRetryTime: 5000,
      retries: 10,
      restartOnFailure: (err) => {
        logger.error({ err }, 'Kafka consumer crashed; restarting it');
        return Promise.resolve(true);
      },
    },
  });

  const holds = new Map<string, { timer: NodeJS.Timeout; hold: Hold; resumeAt: number }>();
  const infraAttempts = new Map<string, number>();
  let running = false;
  let joined = false;
  let memberId: string | null = null;

  let restartTimer: NodeJS.Timeout | undefined;
  let restarts = 0;

  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    joined = true;
    restarts = 0;
    memberId = e.payload.memberId;
    logger.info({ memberId, assignment: e.payload.memberAssignment }, 'joined consumer group');
    dropRevokedHolds(e.payload.memberAssignment);
  });

  /**
   * A rebalance took partitions away (another consumer of the group has them now): their waits
   * end here. Their records' not-before headers still hold for the new owner, which reads from
   * the committed offset and waits the same; resuming them here means that, should one come
   * back to this member, it is not left paused with no timer to resume it.
   */
  function dropRevokedHolds(assignment: Record<string, number[]>): void {
    for (const [k, { timer }] of holds) {
      const slash = k.lastIndexOf('/');
      const topic = k.slice(0, slash);
      const partition = Number(k.slice(slash + 1));
      if (assignment[topic]?.includes(partition)) continue;
      clearTimeout(timer);
      holds.delete(k);
      infraAttempts.delete(k);
      consumer.resume([{ topic, partitions: [partition] }]);
    }
  }
  consumer.on(consumer.events.CRASH, (e) => {
    joined = false;
    logger.error({ err: e.payload.error, restart: e.payload.restart }, 'consumer crashed');
    // kafkajs restarts the member itself after a retriable error only. After a non-retriable one
    // (say "Failed to find group coordinator" once its retries ran out during a long broker
    // outage) it stays stopped: the seed's "idle forever" defect. Start it again, with backoff.
    if (!e.payload.restart && running) scheduleRestart();
  });

  function scheduleRestart(): void {
    if (restartTimer) return;
    const delayMs = exponentialBackoff(restarts, { baseMs: 1000, capMs: 30_000 });
    restarts += 1;
    restartTimer = setTimeout(() => {
      void (async () => {
        for (const { timer } of holds.values()) clearTimeout(timer);
        holds.clear();
        try {
          await consumer.disconnect().catch(() => undefined);
          if (!running) return;
          logger.warn({ attempt: restarts }, 'starting the stopped Kafka consumer again');
          await runConsumer();
        } catch (err) {
          logger.error({ err: errorMessage(err), attempt: restarts }, 'restarting the Kafka consumer failed');
          restartTimer = undefined;
          if (running) scheduleRestart();
          return;
        }
        restartTimer = undefined;
      })();
    }, delayMs);
  }
  consumer.on(consumer.events.STOP, () => (joined = false));

  const key = (topic: string, partition: number) => `${topic}/${partition}`;

  function holdPartition(payload: EachBatchPayload, hold: Hold): void {
    const { topic, partition } = payload.batch;
    const k = key(topic, partition);
    let delayMs: number;
    if (hold.reason === 'not_due') {
      delayMs = Math.max(0, hold.until - clock());
    } else {
      const attempts = (infraAttempts.get(k) ?? 0) + 1;
      infraAttempts.set(k, attempts);
      delayMs = exponentialBackoff(attempts - 1, options.infraRetry);
      logger.warn(
        {
          topic,
          partition,
          offset: hold.offset,
          reason: hold.reason,
          attempts,
          delayMs,
          error: errorMessage(hold.error),
        },
        'partition paused: retrying in place',
      );
    }
    payload.pause();
    consumer.seek({ topic, partition, offset: hold.offset });
    clearTimeout(holds.get(k)?.timer);
    const timer = setTimeout(() => {
      holds.delete(k);
      if (running) consumer.resume([{ topic, partitions: [partition] }]);
    }, delayMs);
    holds.set(k, { timer, hold, resumeAt: clock() + delayMs });
  }

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    // A batch fetched before a seek or a stop is stale: its records come again from the new position.
    if (!payload.isRunning() || payload.isStale()) return;
    const { topic, partition } = batch;
    const records: SourceRecord[] = batch.messages.map((m) => ({
      topic,
      partition,
      offset: m.offset,
      key: m.key ?? null,
      value: m.value ?? null,
      headers: m.headers ?? {},
      timestamp: m.timestamp,
    }));
    const outcome = await options.process(records, () => payload.heartbeat());
    options.onOutcome?.(topic, partition, outcome);
    if (outcome.lastDone !== null) {
      payload.resolveOffset(outcome.lastDone);
      // The committed offset is the next one to read. The batch's own commit function is used
      // because it still commits while the consumer is stopping (finishing the batch in hand).
      await payload.commitOffsetsIfNecessary({
        topics: [{ topic, partitions: [{ partition, offset: (BigInt(outcome.lastDone) + 1n).toString() }] }],
      });
    }
    if (outcome.hold) holdPartition(payload, outcome.hold);
    else if (outcome.lastDone !== null) infraAttempts.delete(key(topic, partition));
    await payload.heartbeat();
  }

  async function runConsumer(): Promise<void> {
    await consumer.connect();
    await consumer.subscribe({ topics: [...options.topics], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.partitionsConcurrently,
      eachBatch,
    });
  }

  return {
    consumer,
    async start(): Promise<void> {
      running = true;
      await runConsumer();
    },
    /** Stops fetching, lets the batches in hand finish and commit, then leaves the group. */
    async stop(): Promise<void> {
      running = false;
      clearTimeout(restartTimer);
      restartTimer = undefined;
      for (const { timer } of holds.values()) clearTimeout(timer);
      holds.clear();
      await consumer.disconnect();
      joined = false;
    },
    status(): EventConsumerStatus {
      return {
        running,
        joined,
        memberId,
        holds: [...holds.entries()].map(([k, h]) => {
          const slash = k.lastIndexOf('/');
          return {
            topic: k.slice(0, slash),
            partition: Number(k.slice(slash + 1)),
            reason: h.hold.reason,
            offset: h.hold.offset,
            resumeAt: new Date(h.resumeAt).toISOString(),
          };
        }),
      };
    },
  };
}

export type EventConsumer = ReturnType<typeof makeEventConsumer>;
