import type { Pool } from '@hookpipe/lib';
import type { PersistLatency } from './sampler.js';

// Enough for a median at any rate the harness runs at, and a bounded read when it runs faster.
const MAX_ROWS = 2000;

/**
 * Receiver latency of the events persisted since `since`: from a handler accepting the event
 * (`received_at`) to its row (`persisted_at`), retries included. Reads the newest rows through
 * the `(persisted_at, webhook_id)` index, at most MAX_ROWS of them.
 */
export function makeLatencyStore(pool: Pool) {
  return {
    async persistLatency(since: Date): Promise<PersistLatency> {
      const res = await pool.query<{ n: number; p50: number | null; max: number | null }>(
        `SELECT count(*)::int AS n,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
                max(ms) AS max
           FROM (SELECT extract(epoch FROM persisted_at - received_at) * 1000 AS ms
                   FROM events WHERE persisted_at > $1
                  ORDER BY persisted_at DESC LIMIT ${MAX_ROWS}) recent`,
        [since],
      );
      const r = res.rows[0];
      const ms = (v: number | null | undefined) =>
        v === null || v === undefined ? null : Math.round(Number(v));
      return { count: r?.n ?? 0, p50_ms: ms(r?.p50), max_ms: ms(r?.max) };
    },
  };
}
