import type { Pool } from '@hookpipe/lib';

export interface DbTotals {
  persisted: number;
  retried: number;
  dead_lettered: number;
  dead_letters_open: number;
  replayed: number;
}

/** Totals over the receiver's tables (since the database was created). */
export function makeStatsStore(pool: Pool) {
  return {
    async totals(): Promise<DbTotals> {
      const res = await pool.query<Record<keyof DbTotals, string>>(
        `SELECT (SELECT count(*) FROM events) AS persisted,
                (SELECT count(*) FROM event_failures WHERE outcome = 'retry') AS retried,
                (SELECT count(*) FROM dead_letters) AS dead_lettered,
                (SELECT count(*) FROM dead_letters WHERE replayed_at IS NULL) AS dead_letters_open,
                (SELECT coalesce(sum(replay_count), 0) FROM dead_letters) AS replayed`,
      );
      const r = res.rows[0]!;
      return {
        persisted: Number(r.persisted),
        retried: Number(r.retried),
        dead_lettered: Number(r.dead_lettered),
        dead_letters_open: Number(r.dead_letters_open),
        replayed: Number(r.replayed),
      };
    },

    async ping(): Promise<void> {
      await pool.query('SELECT 1');
    },
  };
}

export type StatsStore = ReturnType<typeof makeStatsStore>;
