import type pg from 'pg';
import type { Clock } from './clock.js';
import { isTransientDbError, withCheckedOutClient } from './db.js';
import type { Logger } from './logger.js';

/**
 * One kind of row a retention run deletes. `deleteBatch` removes at most `limit` rows older than
 * `cutoff` in one short transaction and returns how many it removed (`deleted`, which decides
 * whether another batch is needed) and how many dependent rows went with them (`related`).
 */
export interface RetentionStep {
  name: string;
  deleteBatch(cutoff: Date, limit: number): Promise<{ deleted: number; related?: Record<string, number> }>;
}

export interface RetentionReport {
  /** False when another process held the lock: it runs the job, this one skipped. */
  ran: boolean;
  cutoff: Date;
  /** Rows deleted, by step name and by related table. */
  deleted: Record<string, number>;
  batches: number;
  /** False when the run stopped at `maxBatches` or was aborted; the next run goes on. */
  complete: boolean;
}

/** The oldest time a row may have and be kept. */
export const retentionCutoff = (now: number, retentionMs: number): Date => new Date(now - retentionMs);

/**
 * Runs `steps` in order, each batch after batch until a batch comes back short of `batchSize`,
 * at most `maxBatches` batches in all (bounded work per run), checking `signal` between batches.
 * Order matters: a step may only delete what an earlier step freed (events after deliveries).
 */
export async function drainSteps(
  steps: readonly RetentionStep[],
  options: { cutoff: Date; batchSize: number; maxBatches: number; signal?: AbortSignal },
): Promise<Omit<RetentionReport, 'ran' | 'cutoff'>> {
  const deleted: Record<string, number> = {};
  const add = (name: string, n: number) => {
    deleted[name] = (deleted[name] ?? 0) + n;
  };
  let batches = 0;
  for (const step of steps) {
    add(step.name, 0);
    for (;;) {
      if (batches >= options.maxBatches || options.signal?.aborted)
        return { deleted, batches, complete: false };
      const result = await step.deleteBatch(options.cutoff, options.batchSize);
      batches += 1;
      add(step.name, result.deleted);
      for (const [name, n] of Object.entries(result.related ?? {})) add(name, n);
      if (result.deleted < options.batchSize) break;
    }
  }
  return { deleted, batches, complete: true };
}

/**
 * Runs `fn` only while this process holds PostgreSQL advisory lock `key` (`pg_try_advisory_lock`
 * on a dedicated client), so one process at a time does the work however many replicas run the
 * job; returns `{ locked: false }` at once when another holds it. The lock goes with the session,
 * so a crash cannot leave it behind.
 */
export function withAdvisoryLock<T>(
  pool: pg.Pool,
  key: number,
  fn: () => Promise<T>,
): Promise<{ locked: false } | { locked: true; value: T }> {
  // A client whose connection failed is destroyed, which also drops a lock it may still hold.
  return withCheckedOutClient(pool, async (client, health) => {
    const res = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [key]);
    if (!res.rows[0]?.ok) return { locked: false };
    try {
      return { locked: true, value: await fn() };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [key]).catch((err: unknown) => {
        health.broken ??= err instanceof Error ? err : new Error(String(err));
      });
    }
  });
}

export interface RetentionJob {
  /** One run now (the lock permitting); what the timer calls, and what tests call. */
  runOnce(): Promise<RetentionReport>;
  /** Runs after `firstRunMs`, then every `intervalMs` after the previous run ended. */
  start(): void;
  /** Stops the timer and lets a run in progress end after its current batch. Safe to call twice. */
  stop(): Promise<void>;
}

export interface RetentionJobOptions {
  pool: pg.Pool;
  /** Advisory lock key: one per kind of job and database. */
  lockKey: number;
  steps: readonly RetentionStep[];
  retentionMs: number;
  batchSize: number;
  intervalMs: number;
  /** Delay before the first run (default: the interval, at most a minute). */
  firstRunMs?: number;
  maxBatches?: number;
  clock: Clock;
  logger: Logger;
}

/**
 * A periodic retention job: every interval, under an advisory lock, deletes what `steps` find
 * older than `retentionMs` in batches (one short transaction each, no long locks). A failed run
 * is logged and tried again at the next interval.
 */
export function makeRetentionJob(options: RetentionJobOptions): RetentionJob {
  const { logger } = options;
  const maxBatches = options.maxBatches ?? 1000;
  const stopping = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;

  const runOnce = async (): Promise<RetentionReport> => {
    const started = options.clock();
    const cutoff = retentionCutoff(started, options.retentionMs);
    const result = await withAdvisoryLock(options.pool, options.lockKey, () =>
      drainSteps(options.steps, {
        cutoff,
        batchSize: options.batchSize,
        maxBatches,
        signal: stopping.signal,
      }),
    );
    if (!result.locked) {
      logger.debug('retention: another process holds the lock; skipped');
      return { ran: false, cutoff, deleted: {}, batches: 0, complete: false };
    }
    const report: RetentionReport = { ran: true, cutoff, ...result.value };
    const any = Object.values(report.deleted).some((n) => n > 0);
    logger[any || !report.complete ? 'info' : 'debug'](
      {
        cutoff: cutoff.toISOString(),
        deleted: report.deleted,
        batches: report.batches,
        complete: report.complete,
        ms: options.clock() - started,
      },
      'retention run',
    );
    return report;
  };

  const schedule = (ms: number) => {
    if (stopping.signal.aborted) return;
    timer = setTimeout(() => {
      running = runOnce()
        .catch((err: unknown) => {
          logger[isTransientDbError(err) ? 'warn' : 'error']({ err }, 'retention run failed; next interval');
        })
        .finally(() => {
          running = undefined;
          schedule(options.intervalMs);
        });
    }, ms);
    timer.unref();
  };

  return {
    runOnce,
    start: () => schedule(options.firstRunMs ?? Math.min(options.intervalMs, 60_000)),
    async stop() {
      stopping.abort();
      clearTimeout(timer);
      await running;
    },
  };
}

/** A service's retention settings as its config states them. */
export interface RetentionSettings {
  /** Age after which rows go; 0 turns the job off (the factory is not called then). */
  hours: number;
  intervalS: number;
  batch: number;
}

/** What a service's retention job is built from (its steps and lock aside). */
export interface ServiceRetentionDeps {
  pool: pg.Pool;
  settings: RetentionSettings;
  clock: Clock;
  logger: Logger;
}

/**
 * A service's retention job from its settings: `steps` run every `intervalS` seconds under lock
 * `lockKey`, deleting what is older than `hours`, `batch` rows per transaction, logged as the
 * `retention` component.
 */
export function makeServiceRetention(
  deps: ServiceRetentionDeps & { lockKey: number; steps: readonly RetentionStep[] },
): RetentionJob {
  return makeRetentionJob({
    pool: deps.pool,
    lockKey: deps.lockKey,
    steps: deps.steps,
    retentionMs: deps.settings.hours * 3600_000,
    batchSize: deps.settings.batch,
    intervalMs: deps.settings.intervalS * 1000,
    clock: deps.clock,
    logger: deps.logger.child({ component: 'retention' }),
  });
}
