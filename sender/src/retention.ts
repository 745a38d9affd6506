import { makeRetentionJob, type Clock, type Logger, type Pool, type RetentionJob } from '@hookpipe/lib';

/** Advisory lock of the sender database's retention job ("hook" + 1). */
export const SENDER_RETENTION_LOCK = 0x686f6f6b01;

// Finished for good: nothing moves a delivery out of these (pending and held can still be sent).
const FINISHED = `('delivered', 'failed', 'rejected', 'canceled')`;

/**
 * Up to `limit` deliveries that finished before `cutoff`, oldest first (deliveries_finished_idx),
 * with their attempts, in one statement: the attempts go in the same statement as the deliveries
 * they reference.
 */
export async function deleteFinishedDeliveries(pool: Pool, cutoff: Date, limit: number) {
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
}

/**
 * Up to `limit` producer events accepted before `cutoff` that no delivery refers to any more. An
 * event (and so its idempotency key) is kept as long as any of its deliveries is.
 */
export async function deleteUnreferencedEvents(pool: Pool, cutoff: Date, limit: number) {
  const res = await pool.query(
    `DELETE FROM events WHERE id = ANY(ARRAY(
       SELECT e.id FROM events e
        WHERE e.created_at < $1 AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id)
        ORDER BY e.created_at LIMIT $2 FOR UPDATE SKIP LOCKED))`,
    [cutoff, limit],
  );
  return { deleted: res.rowCount ?? 0 };
}

export interface SenderRetentionSettings {
  /** Age after which rows go; 0 turns the job off (the factory is not called then). */
  hours: number;
  intervalS: number;
  batch: number;
}

/**
 * The sender side's retention: finished deliveries (delivered, failed, rejected, canceled) with
 * their attempts, then the producer events left without deliveries. Pending and held deliveries
 * are never touched, however old.
 */
export function makeSenderRetention(deps: {
  pool: Pool;
  settings: SenderRetentionSettings;
  clock: Clock;
  logger: Logger;
}): RetentionJob {
  const { pool } = deps;
  return makeRetentionJob({
    pool,
    lockKey: SENDER_RETENTION_LOCK,
    steps: [
      { name: 'deliveries', deleteBatch: (cutoff, limit) => deleteFinishedDeliveries(pool, cutoff, limit) },
      { name: 'events', deleteBatch: (cutoff, limit) => deleteUnreferencedEvents(pool, cutoff, limit) },
    ],
    retentionMs: deps.settings.hours * 3600_000,
    batchSize: deps.settings.batch,
    intervalMs: deps.settings.intervalS * 1000,
    clock: deps.clock,
    logger: deps.logger.child({ component: 'retention' }),
  });
}
