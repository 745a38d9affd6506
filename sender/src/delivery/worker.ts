import { randomUUID } from 'node:crypto';
import { delay, isTransientDbError, type Logger, type Pool } from '@hookpipe/lib';
import type { SenderMetrics } from '../metrics.js';
import { recordCompletions } from '../store/completions.js';
import type { ClaimedDelivery, Completion } from '../model/delivery.js';
import { claimDue, slotKeys, tidyOutbox } from '../store/outbox.js';
import { processDelivery, type ProcessDeps } from './process.js';

const CLAIM_GAP_MS = 5;

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
 * per-webhook and per-emitter caps), sends them concurrently over kept-alive connections, and records finished
 * attempts in batched transactions.
 */
export function makeDeliveryWorker(
  deps: ProcessDeps & { pool: Pool; logger: Logger; metrics: SenderMetrics },
  options: WorkerOptions,
): DeliveryWorker {
  const { pool, logger, clock, metrics } = deps;
  const flushIntervalMs = options.flushIntervalMs ?? 10;
  const maxBuffered = Math.max(1000, options.concurrency * 4);
  const busy = new Map<string, number>();
  const caps = new Map<string, number>();
  const running = new Set<Promise<void>>();
  let buffer: Completion[] = [];
  let stopping = false;
  let loop: Promise<void> | undefined;
  let flushing: Promise<void> | undefined;
  let flushTimer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  let moreDue = false;
  let stopped: Promise<void> | undefined;
  const stopController = new AbortController();

  const signal = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        if (wake === done) wake = undefined;
        resolve();
      }
      wake = done;
    });

  const inFlight = () => running.size;

  function dispatch(row: ClaimedDelivery) {
    const keys = slotKeys(row);
    for (const k of keys) busy.set(k, (busy.get(k) ?? 0) + 1);
    caps.set(`w:${row.webhookId}`, row.caps.webhook);
    if (row.emitterId !== null && row.caps.emitter !== null) caps.set(`e:${row.emitterId}`, row.caps.emitter);
    metrics.inFlight.inc();
    const task = processDelivery(row, deps).then((done) => {
      buffer.push(done);
      metrics.observeAttempt(done);
      // 2xx attempts are logged at debug (info with LOG_EVENTS), the rest at info; skip building
      // the line when muted.
      const level = done.decision.kind === 'delivered' && !options.logEvents ? 'debug' : 'info';
      if (logger.isLevelEnabled(level)) {
        logger[level](
          {
            webhookId: done.webhookId,
            messageId: done.messageId,
            attempt: done.attempt,
            status: done.statusCode,
            ms: done.durationMs,
            error: done.error ?? undefined,
            fault: done.fault ?? undefined,
            outcome: done.decision.kind,
            nextAttemptAt:
              done.decision.kind === 'retry' ? new Date(done.decision.at).toISOString() : undefined,
            response: done.decision.kind === 'delivered' ? undefined : (done.responseExcerpt ?? undefined),
          },
          'delivery attempt',
        );
      }
    });
    const tracked = task.finally(() => {
      running.delete(tracked);
      metrics.inFlight.dec();
      // A webhook or emitter at its cap was left out of the last claim: it may have due rows waiting.
      let wasSaturated = false;
      for (const k of keys) {
        const held = busy.get(k) ?? 1;
        wasSaturated ||= held >= (caps.get(k) ?? Infinity);
        if (held <= 1) busy.delete(k);
        else busy.set(k, held - 1);
      }
      scheduleFlush();
      if (moreDue || wasSaturated) signal();
    });
    running.add(tracked);
  }

  function scheduleFlush() {
    if (flushTimer || flushing) return;
    flushTimer = setTimeout(() => {
      flushTimer = undefined;
      void flush();
    }, flushIntervalMs);
  }

  async function flush(): Promise<void> {
    if (flushing) return flushing;
    flushing = (async () => {
      let failures = 0;
      while (buffer.length > 0) {
        const batch = buffer.slice(0, 1000);
        try {
          const disabled = await recordCompletions(pool, batch, {
            now: clock(),
            disableAfterMs: options.disableAfterMs,
          });
          buffer = buffer.slice(batch.length);
          failures = 0;
          for (const id of disabled) {
            metrics.webhooksDisabled.inc();
            logger.warn(
              { webhookId: id },
              'webhook disabled: deliveries kept failing; pending deliveries held',
            );
          }
        } catch (err) {
          failures += 1;
          // An outage is expected now and then (warn); anything else is a bug (error).
          logger[isTransientDbError(err) ? 'warn' : 'error'](
            { err, buffered: buffer.length },
            'recording delivery attempts failed; will retry',
          );
          if (stopping && failures >= 5) {
            logger.error(
              { lost: buffer.length },
              'giving up recording attempts at shutdown; leases will resend',
            );
            buffer = [];
            break;
          }
          await delay(Math.min(5000, 100 * 2 ** failures));
        }
      }
    })().finally(() => {
      flushing = undefined;
      if (buffer.length > 0) scheduleFlush();
      if (moreDue) signal();
    });
    return flushing;
  }

  async function run(): Promise<void> {
    let failures = 0;
    let lastTidy = 0;
    let lastClaim = 0;
    while (!stopping) {
      const now = clock();
      if (now - lastTidy > 10_000) {
        lastTidy = now;
        await tidyOutbox(pool, now).catch((err: unknown) => logger.warn({ err }, 'outbox tidy-up failed'));
      }
      const free = options.concurrency - running.size;
      if (free > 0 && buffer.length < maxBuffered) {
        // Claims stay batches: at most one per CLAIM_GAP_MS however often slots free up.
        const gap = CLAIM_GAP_MS - (performance.now() - lastClaim);
        if (gap > 0) await delay(gap);
        lastClaim = performance.now();
        const limit = Math.min(options.concurrency - running.size, options.claimBatch);
        try {
          // The counts the claim is made with (attempts keep finishing while it runs).
          const asked = new Map(busy);
          const saturated = [...asked].filter(([k, n]) => n >= (caps.get(k) ?? Infinity)).map(([k]) => k);
          const rows = await claimDue(pool, {
            now: clock(),
            limit,
            leaseMs: options.leaseMs,
            token: randomUUID(),
            busy: asked,
            saturated,
          });
          failures = 0;
          const got = new Map<string, number>();
          for (const row of rows) {
            dispatch(row);
            for (const k of slotKeys(row)) got.set(k, (got.get(k) ?? 0) + 1);
          }
          // More is likely due when the claim was cut short by the batch size or by a cap (it
          // filled a webhook or emitter up to its cap): then every finished attempt wakes the
          // loop, and claims still come at most one per gap.
          moreDue =
            rows.length === limit ||
            [...got].some(([k, n]) => (asked.get(k) ?? 0) + n >= (caps.get(k) ?? Infinity));
          if (rows.length === limit) continue;
        } catch (err) {
          failures += 1;
          logger[isTransientDbError(err) ? 'warn' : 'error']({ err }, 'claiming deliveries failed');
          await delay(Math.min(10_000, 200 * 2 ** failures), stopController.signal);
          continue;
        }
      } else {
        moreDue = true;
      }
      await sleep(options.pollIntervalMs);
    }
  }

  return {
    start() {
      loop ??= run().catch((err: unknown) => logger.fatal({ err }, 'delivery loop crashed'));
    },
    notify: signal,
    inFlight,
    stop() {
      stopped ??= (async () => {
        stopping = true;
        stopController.abort();
        signal();
        await loop;
        await Promise.allSettled([...running]);
        if (flushTimer) clearTimeout(flushTimer);
        flushTimer = undefined;
        await flush();
      })();
      return stopped;
    },
  };
}
