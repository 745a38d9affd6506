import type { Logger } from '@hookpipe/lib';
import type { SenderMetrics } from '../metrics.js';
import type { ClaimedDelivery, Completion } from '../model/delivery.js';
import type { CompletionsStore } from '../store/completions-store.js';
import type { OutboxStore } from '../store/outbox-store.js';
import { makeClaimLoop } from './claim-loop.js';
import { makeCompletionFlush } from './completion-flush.js';
import { processDelivery, type ProcessDeps } from './process.js';
import { makeSlots } from './slots.js';

export interface WorkerOptions {
  /** In-flight attempts in total. */
  concurrency: number;
  claimBatch: number;
  pollIntervalMs: number;
  leaseMs: number;
  /** Null: never disable a failing webhook. */
  disableAfterMs: number | null;
  flushIntervalMs?: number;
  /** Log 2xx attempts at info, like the others (LOG_EVENTS); else at debug. */
  logEvents?: boolean;
}

export interface DeliveryWorker {
  start(): void;
  /** Something was enqueued: look for due work now rather than at the next poll. */
  notify(): void;
  /** Stops claiming, waits for in-flight attempts and records them. Safe to call twice. */
  stop(): Promise<void>;
  inFlight(): number;
}

/**
 * The delivery loop: claims due outbox rows in batches (bounded by free in-flight slots and
 * per-webhook and per-emitter caps), sends them concurrently over kept-alive connections, and
 * records finished attempts in batched transactions.
 */
export function makeDeliveryWorker(
  deps: ProcessDeps & {
    outbox: OutboxStore;
    completions: CompletionsStore;
    logger: Logger;
    metrics: SenderMetrics;
  },
  options: WorkerOptions,
): DeliveryWorker {
  const { logger, clock, metrics } = deps;
  const slots = makeSlots(options.concurrency);
  const running = new Set<Promise<void>>();
  const flush = makeCompletionFlush(
    {
      clock,
      logger,
      metrics,
      completions: deps.completions,
      onFlushed: () => claims.freed(false),
    },
    {
      intervalMs: options.flushIntervalMs ?? 10,
      maxBuffered: Math.max(1000, options.concurrency * 4),
      disableAfterMs: options.disableAfterMs,
    },
  );
  const claims = makeClaimLoop(
    {
      clock,
      logger,
      outbox: deps.outbox,
      slots,
      hasRoom: () => flush.hasRoom(),
      dispatch,
    },
    { claimBatch: options.claimBatch, pollIntervalMs: options.pollIntervalMs, leaseMs: options.leaseMs },
  );

  function dispatch(row: ClaimedDelivery) {
    const release = slots.take(row);
    metrics.inFlight.inc();
    const task = processDelivery(row, deps).then((done) => {
      flush.add(done);
      metrics.observeAttempt(done);
      logAttempt(logger, done, options.logEvents ?? false);
    });
    const tracked = task.finally(() => {
      running.delete(tracked);
      metrics.inFlight.dec();
      claims.freed(release());
    });
    running.add(tracked);
  }

  let stopped: Promise<void> | undefined;
  return {
    start: () => claims.start(),
    notify: () => claims.wake(),
    inFlight: () => slots.inFlight(),
    stop() {
      stopped ??= (async () => {
        await claims.stop();
        await Promise.allSettled([...running]);
        await flush.close();
      })();
      return stopped;
    },
  };
}

/**
 * 2xx attempts are logged at debug (info with LOG_EVENTS), the rest at info; the line is not
 * even built when muted.
 */
function logAttempt(logger: Logger, done: Completion, logEvents: boolean) {
  const level = done.decision.kind === 'delivered' && !logEvents ? 'debug' : 'info';
  if (!logger.isLevelEnabled(level)) return;
  logger[level](
    {
      webhookId: done.webhookId,
      messageId: done.messageId,
      scheme: done.scheme,
      attempt: done.attempt,
      status: done.statusCode,
      ms: done.durationMs,
      error: done.error ?? undefined,
      fault: done.fault ?? undefined,
      outcome: done.decision.kind,
      nextAttemptAt: done.decision.kind === 'retry' ? new Date(done.decision.at).toISOString() : undefined,
      response: done.decision.kind === 'delivered' ? undefined : (done.responseExcerpt ?? undefined),
    },
    'delivery attempt',
  );
}
