import type { Pool } from '@hookpipe/lib';

// Finished for good: nothing moves a delivery out of these (pending and held can still be sent).
const FINISHED = `('delivered', 'failed', 'rejected', 'canceled')`;

/** What the sender's retention job deletes, a batch at a time. */
export function makeRetentionStore(pool: Pool) {
  return {
    /**
     * Up to `limit` deliveries that finished before `cutoff`, oldest first (deliveries_finished_idx),
     * with their attempts, in one statement: the attempts go in the same statement as the deliveries
     * they reference.
     */
    async deleteFinishedDeliveries(cutoff: Date, limit: number) {
      const res = await pool.query<{ deliveries: string; attempts: string }>(
        `WITH doomed AS (
           SELECT id FROM deliveries WHERE status IN ${FINISHED} AND finished_at < $1
            ORDER BY finished_at LIMIT $2 FOR UPDATE SKIP LOCKED
         ), attempts AS (
           DELETE FROM delivery_attempts a USING doomed WHERE a.delivery_id = doomed.id RETURNING 1
         ), gone AS (
           DELETE FROM deliveries d USING doomed WHERE d.id = doomed.id RETURNING 1
         )
         SELECT (SELECT count(*) FROM gone) AS deliveries, (SELECT count(*) FROM attempts) AS attempts`,
        [cutoff, limit],
      );
      const row = res.rows[0]!;
      return { deleted: Number(row.deliveries), related: { delivery_attempts: Number(row.attempts) } };
    },

    /**
     * Up to `limit` producer events accepted before `cutoff` that no delivery refers to any more. An
     * event (and so its idempotency key) is kept as long as any of its deliveries is.
     */
    async deleteUnreferencedEvents(cutoff: Date, limit: number) {
      const res = await pool.query(
        `DELETE FROM events WHERE id = ANY(ARRAY(
           SELECT e.id FROM events e
            WHERE e.created_at < $1 AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id)
            ORDER BY e.created_at LIMIT $2 FOR UPDATE SKIP LOCKED))`,
        [cutoff, limit],
      );
      return { deleted: res.rowCount ?? 0 };
    },
  };
}

export type RetentionStore = ReturnType<typeof makeRetentionStore>;
