import type pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from './logger.js';
import { drainSteps, makeRetentionJob, retentionCutoff, type RetentionStep } from './retention.js';

/** A step over an in-memory list of row ages: deletes up to `limit` rows older than the cutoff. */
function listStep(name: string, times: number[], related?: string): RetentionStep & { calls: number } {
  const step = {
    name,
    calls: 0,
    deleteBatch(cutoff: Date, limit: number) {
      step.calls += 1;
      const old = times.filter((t) => t < cutoff.getTime()).slice(0, limit);
      for (const t of old) times.splice(times.indexOf(t), 1);
      return Promise.resolve({
        deleted: old.length,
        ...(related ? { related: { [related]: old.length * 2 } } : {}),
      });
    },
  };
  return step;
}

/** Just enough of a pg pool for the advisory lock: `held` says whether another process has it. */
function lockPool(state: { held: boolean; queries: string[] }): pg.Pool {
  const client = {
    on: () => undefined,
    off: () => undefined,
    release: () => undefined,
    query: (sql: string) => {
      state.queries.push(sql);
      return Promise.resolve({ rows: [{ ok: !state.held }] });
    },
  };
  return { connect: () => Promise.resolve(client) } as unknown as pg.Pool;
}

describe('retentionCutoff', () => {
  it('is now minus the retention age', () => {
    const now = Date.parse('2025-01-04T00:00:00Z');
    expect(retentionCutoff(now, 72 * 3600_000).toISOString()).toBe('2025-01-01T00:00:00.000Z');
  });
});

describe('drainSteps', () => {
  const cutoff = new Date(100);

  it('deletes batch after batch until a short batch, step by step, and adds up what went', async () => {
    const a = listStep('deliveries', [1, 2, 3, 4, 5, 150], 'delivery_attempts');
    const b = listStep('events', [10, 20, 200]);
    const report = await drainSteps([a, b], { cutoff, batchSize: 2, maxBatches: 100 });
    expect(report).toEqual({
      deleted: { deliveries: 5, delivery_attempts: 10, events: 2 },
      batches: 5,
      complete: true,
    });
    expect(a.calls).toBe(3); // 2 + 2 + 1 (short: done)
    expect(b.calls).toBe(2); // 2, then an empty batch proves there is nothing left
  });

  it('stops at maxBatches and says the run is incomplete', async () => {
    const a = listStep('events', [1, 2, 3, 4, 5]);
    const report = await drainSteps([a], { cutoff, batchSize: 1, maxBatches: 3 });
    expect(report).toEqual({ deleted: { events: 3 }, batches: 3, complete: false });
  });

  it('stops between batches when aborted', async () => {
    const abort = new AbortController();
    const a = listStep('events', [1, 2, 3]);
    const original = a.deleteBatch.bind(a);
    a.deleteBatch = async (c, l) => {
      abort.abort();
      return original(c, l);
    };
    const report = await drainSteps([a], { cutoff, batchSize: 1, maxBatches: 10, signal: abort.signal });
    expect(report).toEqual({ deleted: { events: 1 }, batches: 1, complete: false });
  });
});

describe('makeRetentionJob', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs under the lock with the cutoff from its clock, and skips when another process holds it', async () => {
    const lock = { held: false, queries: [] as string[] };
    const seen: Date[] = [];
    const step: RetentionStep = {
      name: 'events',
      deleteBatch: (c) => {
        seen.push(c);
        return Promise.resolve({ deleted: 0 });
      },
    };
    const job = makeRetentionJob({
      pool: lockPool(lock),
      lockKey: 42,
      steps: [step],
      retentionMs: 3600_000,
      batchSize: 10,
      intervalMs: 60_000,
      clock: () => 7200_000,
      logger: silentLogger(),
    });
    const first = await job.runOnce();
    expect(first).toMatchObject({ ran: true, complete: true, deleted: { events: 0 } });
    expect(seen).toEqual([new Date(3600_000)]);
    expect(lock.queries).toEqual(['SELECT pg_try_advisory_lock($1) AS ok', 'SELECT pg_advisory_unlock($1)']);

    lock.held = true;
    const second = await job.runOnce();
    expect(second.ran).toBe(false);
    expect(seen).toHaveLength(1);
  });

  it('runs first after firstRunMs, then every interval after the last run ended, until stopped', async () => {
    vi.useFakeTimers();
    let runs = 0;
    const job = makeRetentionJob({
      pool: lockPool({ held: false, queries: [] }),
      lockKey: 1,
      steps: [
        {
          name: 'events',
          deleteBatch: () => {
            runs += 1;
            return Promise.resolve({ deleted: 0 });
          },
        },
      ],
      retentionMs: 1000,
      batchSize: 10,
      intervalMs: 300_000,
      firstRunMs: 5000,
      clock: () => Date.now(),
      logger: silentLogger(),
    });
    job.start();
    await vi.advanceTimersByTimeAsync(4999);
    expect(runs).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs).toBe(1);
    await vi.advanceTimersByTimeAsync(300_000);
    expect(runs).toBe(2);
    await job.stop();
    await job.stop();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(runs).toBe(2);
  });

  it('logs a failed run and tries again at the next interval', async () => {
    vi.useFakeTimers();
    let calls = 0;
    const job = makeRetentionJob({
      pool: lockPool({ held: false, queries: [] }),
      lockKey: 1,
      steps: [
        {
          name: 'events',
          deleteBatch: () => {
            calls += 1;
            return calls === 1 ? Promise.reject(new Error('boom')) : Promise.resolve({ deleted: 0 });
          },
        },
      ],
      retentionMs: 1000,
      batchSize: 10,
      intervalMs: 1000,
      firstRunMs: 1000,
      clock: () => Date.now(),
      logger: silentLogger(),
    });
    job.start();
    await vi.advanceTimersByTimeAsync(2000);
    expect(calls).toBe(2);
    await job.stop();
  });
});
