import { delay, exponentialBackoff, isTransientDbError, type Clock, type Logger } from '@hookpipe/lib';
import type { SenderMetrics } from '../metrics.js';
import type { Completion } from '../model/delivery.js';
import type { CompletionsStore } from '../store/completions-store.js';

const BATCH = 1000;
/** Failed writes in a row after which a closing flush drops what is left (leases resend it). */
const GIVE_UP_AT_CLOSE = 5;

export interface CompletionFlushDeps {
  clock: Clock;
  logger: Logger;
  metrics: Pick<SenderMetrics, 'webhooksDisabled'>;
  completions: Pick<CompletionsStore, 'record'>;
  /** Called after each flush ends: finished attempts no longer hold buffer room. */
  onFlushed(): void;
}

export interface CompletionFlushOptions {
  /** How long a finished attempt may wait for others to share its write. */
  intervalMs: number;
  /** Beyond this many buffered, {@link CompletionFlush.hasRoom} says no. */
  maxBuffered: number;
  /** Null: never disable a failing webhook. */
  disableAfterMs: number | null;
  /** Backoff after a failed write: base · 2^failures, capped. */
  retry?: { baseMs: number; capMs: number };
}

export interface CompletionFlush {
  /** Buffers a finished attempt; it is written within the flush interval. */
  add(done: Completion): void;
  hasRoom(): boolean;
  /** Writes what is buffered now and waits for it. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Batches finished attempts back into PostgreSQL: one write per interval (or per 1000), retried
 * with backoff while the database is away; nothing is lost unless closing keeps failing.
 */
export function makeCompletionFlush(
  deps: CompletionFlushDeps,
  options: CompletionFlushOptions,
): CompletionFlush {
  const { clock, logger } = deps;
  const retry = options.retry ?? { baseMs: 100, capMs: 5000 };
  let buffer: Completion[] = [];
  let flushing: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closing = false;

  function schedule() {
    if (timer || flushing) return;
    timer = setTimeout(() => {
      timer = undefined;
      void flush();
    }, options.intervalMs);
  }

  async function writeAll(): Promise<void> {
    let failures = 0;
    while (buffer.length > 0) {
      const batch = buffer.slice(0, BATCH);
      try {
        const disabled = await deps.completions.record(batch, {
          now: clock(),
          disableAfterMs: options.disableAfterMs,
        });
        buffer = buffer.slice(batch.length);
        failures = 0;
        for (const id of disabled) {
          deps.metrics.webhooksDisabled.inc();
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
        if (closing && failures >= GIVE_UP_AT_CLOSE) {
          logger.error(
            { lost: buffer.length },
            'giving up recording attempts at shutdown; leases will resend',
          );
          buffer = [];
          break;
        }
        await delay(exponentialBackoff(failures, retry));
      }
    }
  }

  function flush(): Promise<void> {
    flushing ??= writeAll().finally(() => {
      flushing = undefined;
      if (buffer.length > 0) schedule();
      deps.onFlushed();
    });
    return flushing;
  }

  return {
    add(done) {
      buffer.push(done);
      schedule();
    },
    hasRoom: () => buffer.length < options.maxBuffered,
    async close() {
      closing = true;
      clearTimeout(timer);
      timer = undefined;
      await flush();
    },
  };
}
