import { HEADERS, headerString, isTransientDbError, type Clock, type Logger } from '@hookpipe/lib';
import type { EventRow, PipelineStore } from '../store/pipeline-store.js';
import { decodeRecord } from './decode.js';
import type { FailureInjector } from './failure-injection.js';
import { planFailure, type FailurePlan, type OutgoingRecord } from './failures.js';
import { notBefore } from './headers.js';
import type { RetryPolicy } from './retry-policy.js';
import type { Failure, SourceRecord, WebhookEvent } from './types.js';

export interface BatchDeps {
  store: Pick<PipelineStore, 'insertEvents' | 'recordedFailures' | 'recordFailures'>;
  /** Publishes to the retry and dead-letter topics; resolves once the broker acknowledged all. */
  publish(records: readonly OutgoingRecord[]): Promise<void>;
  injectFailure: FailureInjector;
  policy: RetryPolicy;
  consumerGroup: string;
  insertBatchSize: number;
  clock: Clock;
  logger: Logger;
  /** Log each persisted event at info (else at debug): `LOG_EVENTS`. */
  logEvents?: boolean;
  /** Keeps the consumer's session alive between the steps of a long batch. */
  heartbeat?: () => Promise<void>;
}

/**
 * Why the rest of a partition waits: a retry record not yet due, or an infrastructure fault
 * (the database or the broker) that is nobody's event's fault and spends no retry.
 */
export type Hold =
  | { reason: 'not_due'; offset: string; until: number }
  | { reason: 'db_unavailable' | 'kafka_unavailable' | 'store_error'; offset: string; error: unknown };

export interface BatchCounts {
  persisted: number;
  duplicates: number;
  retried: number;
  deadLettered: number;
  poison: number;
}

export interface BatchOutcome {
  /** Last offset of the batch whose outcome is durable, every earlier one too; null if none. */
  lastDone: string | null;
  /** Set when processing stopped early: the partition resumes from `hold.offset` (the first record without an outcome) later. */
  hold: Hold | null;
  counts: BatchCounts;
}

interface Item {
  record: SourceRecord;
  event?: WebhookEvent;
  failure?: Failure;
  done: boolean;
}

const infraHold = (err: unknown, offset: string, db: boolean): Hold => ({
  reason: db ? (isTransientDbError(err) ? 'db_unavailable' : 'store_error') : 'kafka_unavailable',
  offset,
  error: err,
});

/**
 * Processes one partition's batch, in offset order: persists the good events with multi-row
 * inserts, requeues or dead-letters the failed ones, and reports the longest prefix of the
 * batch whose outcome is durable. It never sleeps: a record that is not due yet, or a database
 * or broker fault, ends the batch with a `hold` and the caller pauses the partition.
 */
export async function processBatch(records: readonly SourceRecord[], deps: BatchDeps): Promise<BatchOutcome> {
  const counts: BatchCounts = { persisted: 0, duplicates: 0, retried: 0, deadLettered: 0, poison: 0 };
  const now = deps.clock();
  let hold: Hold | null = null;

  const items: Item[] = [];
  for (const record of records) {
    const due = notBefore(record.headers);
    if (due > now) {
      hold = { reason: 'not_due', offset: record.offset, until: due };
      break;
    }
    const decoded = decodeRecord(record);
    if (!decoded.ok) {
      items.push({ record, failure: decoded.failure, done: false });
      continue;
    }
    const injected = deps.injectFailure(decoded.event);
    items.push({ record, event: decoded.event, ...(injected ? { failure: injected } : {}), done: false });
  }

  const infra =
    (await persist(items, deps, counts)) ?? (await handleFailures(items, deps, counts, new Date(now)));
  if (infra) hold = infra;
  // Resume from the first record without a durable outcome, whichever step stopped.
  const firstUndone = items.find((i) => !i.done);
  if (hold && firstUndone) hold = { ...hold, offset: firstUndone.record.offset };
  return { lastDone: lastDone(items), hold, counts };
}

async function persist(items: Item[], deps: BatchDeps, counts: BatchCounts): Promise<Hold | null> {
  const good = items.filter((i) => i.event && !i.failure);
  for (let start = 0; start < good.length; start += deps.insertBatchSize) {
    const chunk = good.slice(start, start + deps.insertBatchSize);
    const rows = chunk.map(toRow);
    try {
      const inserted = await deps.store.insertEvents(rows);
      counts.persisted += inserted;
      counts.duplicates += rows.length - inserted;
      for (const i of chunk) i.done = true;
      logPersisted(chunk, deps);
      await deps.heartbeat?.();
    } catch (err) {
      if (isTransientDbError(err)) return infraHold(err, chunk[0]!.record.offset, true);
      // One bad row fails the whole statement: find it row by row, the rest are stored.
      deps.logger.warn({ err, rows: rows.length }, 'multi-row insert failed; inserting row by row');
      const hold = await persistOneByOne(chunk, deps, counts);
      if (hold) return hold;
    }
  }
  return null;
}

async function persistOneByOne(chunk: Item[], deps: BatchDeps, counts: BatchCounts): Promise<Hold | null> {
  for (const item of chunk) {
    try {
      const inserted = await deps.store.insertEvents([toRow(item)]);
      counts.persisted += inserted;
      counts.duplicates += 1 - inserted;
      item.done = true;
      logPersisted([item], deps);
    } catch (err) {
      if (isTransientDbError(err)) return infraHold(err, item.record.offset, true);
      item.failure = { errorClass: 'UnstorableEvent', message: (err as Error).message, poison: true };
    }
  }
  return null;
}

async function handleFailures(
  items: Item[],
  deps: BatchDeps,
  counts: BatchCounts,
  now: Date,
): Promise<Hold | null> {
  const failing = items.filter((i) => i.failure && !i.done);
  const first = failing[0];
  if (!first) return null;
  const { topic, partition } = first.record;
  let recorded: Set<string>;
  try {
    recorded = await deps.store.recordedFailures(
      topic,
      partition,
      failing.map((i) => i.record.offset),
    );
  } catch (err) {
    return infraHold(err, first.record.offset, true);
  }
  // A failure already recorded was published before a crash or fault interrupted this batch.
  for (const item of failing) if (recorded.has(item.record.offset)) item.done = true;
  const todo = failing.filter((i) => !i.done);
  const plans: [Item, FailurePlan][] = todo.map((item) => [
    item,
    planFailure({
      record: item.record,
      event: item.event,
      failure: item.failure!,
      now,
      policy: deps.policy,
      consumerGroup: deps.consumerGroup,
    }),
  ]);
  if (plans.length === 0) return null;
  const firstTodo = todo[0]!.record.offset;
  await deps.heartbeat?.();
  try {
    await deps.publish(plans.map(([, p]) => p.outgoing));
  } catch (err) {
    return infraHold(err, firstTodo, false);
  }
  try {
    await deps.store.recordFailures(
      plans.map(([, p]) => p.failureRow),
      plans.flatMap(([, p]) => (p.deadLetter ? [p.deadLetter] : [])),
    );
  } catch (err) {
    return infraHold(err, firstTodo, true);
  }
  for (const [item, plan] of plans) {
    item.done = true;
    if (plan.action === 'retry') counts.retried += 1;
    else counts.deadLettered += 1;
    if (item.failure!.poison) counts.poison += 1;
    deps.logger.info(
      {
        webhookId: plan.failureRow.webhookId,
        requestId: requestIdOf(item),
        topic: item.record.topic,
        partition: item.record.partition,
        offset: item.record.offset,
        retryCount: plan.failureRow.retryCount,
        errorClass: plan.failureRow.errorClass,
        error: plan.failureRow.errorMessage,
        notBefore: plan.failureRow.notBefore?.toISOString(),
      },
      plan.action === 'retry' ? 'event requeued for retry' : 'event dead-lettered',
    );
  }
  return null;
}

const requestIdOf = (item: Item): string | undefined =>
  item.event?.requestId ?? headerString(item.record.headers, HEADERS.requestId);

/**
 * One line per record whose event is now in `events` (a redelivery of a stored one too), with the
 * ids that follow it from nginx and the handler. Debug unless LOG_EVENTS: thousands a second.
 */
function logPersisted(items: readonly Item[], deps: BatchDeps): void {
  const level = deps.logEvents ? 'info' : 'debug';
  if (!deps.logger.isLevelEnabled(level)) return;
  for (const item of items) {
    const { topic, partition, offset } = item.record;
    deps.logger[level](
      {
        webhookId: item.event!.webhookId,
        requestId: requestIdOf(item),
        customerId: item.event!.customerId,
        eventType: item.event!.eventType,
        retryCount: item.event!.retryCount,
        topic,
        partition,
        offset,
      },
      'event persisted',
    );
  }
}

function toRow(item: Item): EventRow {
  const { topic, partition, offset } = item.record;
  return { topic, partition, offset, event: item.event! };
}

function lastDone(items: readonly Item[]): string | null {
  let last: string | null = null;
  for (const item of items) {
    if (!item.done) break;
    last = item.record.offset;
  }
  return last;
}
