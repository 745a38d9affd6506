import { type Pool, type PoolClient, withTransaction } from '@hookpipe/lib';
import { whereClause, type DeadLetterFilter } from './dead-letters-store.js';

/**
 * An event's failure history (`event_failures`, by webhook-id) is kept while anything that shows
 * it remains: its `events` row or one of its dead letters. Called after those were deleted, in the
 * same transaction.
 */
async function deleteUnreferencedFailures(
  client: PoolClient,
  webhookIds: readonly string[],
): Promise<number> {
  if (webhookIds.length === 0) return 0;
  const res = await client.query(
    `DELETE FROM event_failures f
      WHERE f.webhook_id = ANY($1::text[])
        AND NOT EXISTS (SELECT 1 FROM events e WHERE e.webhook_id = f.webhook_id)
        AND NOT EXISTS (SELECT 1 FROM dead_letters d WHERE d.webhook_id = f.webhook_id)`,
    [[...new Set(webhookIds)]],
  );
  return res.rowCount ?? 0;
}

export interface PurgedDeadLetter {
  id: number;
  webhook_id: string;
}

/**
 * The receiver database's deletions: retention batches (persisted events, replayed dead letters,
 * finished operational deliveries, …) and the explicit purge of dead letters. Each call is one short transaction; rows are picked
 * oldest first through an index and locked with SKIP LOCKED, so nothing waits on a busy row.
 */
export function makeRetentionStore(pool: Pool) {
  /** Runs a batch `DELETE … RETURNING webhook_id` ($1 cutoff, $2 limit), then the failure history it freed. */
  const deleteWithFailures = (sql: string, cutoff: Date, limit: number) =>
    withTransaction(pool, async (client) => {
      const gone = await client.query<{ webhook_id: string }>(sql, [cutoff, limit]);
      const ids = gone.rows.map((r) => r.webhook_id);
      return {
        deleted: ids.length,
        related: { event_failures: await deleteUnreferencedFailures(client, ids) },
      };
    });

  return {
    /** Up to `limit` events persisted before `cutoff`, with their failure history. */
    deleteEvents(cutoff: Date, limit: number) {
      return deleteWithFailures(
        `DELETE FROM events WHERE webhook_id = ANY(ARRAY(
           SELECT webhook_id FROM events WHERE persisted_at < $1
            ORDER BY persisted_at LIMIT $2 FOR UPDATE SKIP LOCKED))
         RETURNING webhook_id`,
        cutoff,
        limit,
      );
    },

    /** Up to `limit` dead letters replayed before `cutoff` (open ones are never touched here). */
    deleteReplayedDeadLetters(cutoff: Date, limit: number) {
      return deleteWithFailures(
        `DELETE FROM dead_letters WHERE id = ANY(ARRAY(
           SELECT id FROM dead_letters WHERE replayed_at IS NOT NULL AND replayed_at < $1
            ORDER BY replayed_at LIMIT $2 FOR UPDATE SKIP LOCKED))
         RETURNING webhook_id`,
        cutoff,
        limit,
      );
    },

    /**
     * Up to `limit` receiver attempts (fault profiles' record) older than `cutoff`; a message id's
     * count goes with its last recorded attempt.
     */
    deleteReceiverAttempts(cutoff: Date, limit: number) {
      return withTransaction(pool, async (client) => {
        const gone = await client.query<{ customer_id: string; message_id: string }>(
          `DELETE FROM receiver_attempts WHERE id = ANY(ARRAY(
             SELECT id FROM receiver_attempts WHERE received_at < $1
              ORDER BY received_at LIMIT $2 FOR UPDATE SKIP LOCKED))
           RETURNING customer_id, message_id`,
          [cutoff, limit],
        );
        const counts = await client.query(
          `DELETE FROM receiver_attempt_counts c
            USING unnest($1::text[], $2::text[]) AS g(customer_id, message_id)
            WHERE c.customer_id = g.customer_id AND c.message_id = g.message_id
              AND NOT EXISTS (SELECT 1 FROM receiver_attempts a
                               WHERE a.customer_id = c.customer_id AND a.message_id = c.message_id)`,
          [gone.rows.map((r) => r.customer_id), gone.rows.map((r) => r.message_id)],
        );
        return { deleted: gone.rows.length, related: { receiver_attempt_counts: counts.rowCount ?? 0 } };
      });
    },

    /**
     * Up to `limit` operational deliveries that finished (delivered, failed, canceled) before
     * `cutoff`, oldest first (operational_deliveries_finished_idx); their attempts go with them
     * (ON DELETE CASCADE), counted from the same snapshot. A pending one is never touched.
     */
    async deleteFinishedOperationalDeliveries(cutoff: Date, limit: number) {
      const res = await pool.query<{ deliveries: string; attempts: string }>(
        `WITH doomed AS (
           SELECT id FROM operational_deliveries WHERE status <> 'pending' AND finished_at < $1
            ORDER BY finished_at LIMIT $2 FOR UPDATE SKIP LOCKED
         ), gone AS (
           DELETE FROM operational_deliveries d USING doomed WHERE d.id = doomed.id RETURNING 1
         )
         SELECT (SELECT count(*) FROM gone) AS deliveries,
                (SELECT count(*) FROM operational_attempts a JOIN doomed ON a.delivery_id = doomed.id) AS attempts`,
        [cutoff, limit],
      );
      const row = res.rows[0]!;
      return { deleted: Number(row.deliveries), related: { operational_attempts: Number(row.attempts) } };
    },

    /** Up to `limit` keyring tombstones older than `cutoff` (handlers read them within seconds). */
    async deleteSecretRemovals(cutoff: Date, limit: number) {
      const res = await pool.query(
        `DELETE FROM receiver_secret_removals WHERE ctid = ANY(ARRAY(
           SELECT ctid FROM receiver_secret_removals WHERE removed_at < $1 ORDER BY removed_at LIMIT $2))`,
        [cutoff, limit],
      );
      return { deleted: res.rowCount ?? 0 };
    },

    /** Ids of dead letters matching the list filter of `GET /dead-letters`, oldest first, at most `limit`. */
    async deadLetterIds(filter: DeadLetterFilter, limit: number): Promise<number[]> {
      const params: unknown[] = [];
      const where = whereClause(filter, params);
      params.push(limit);
      const res = await pool.query<{ id: string }>(
        `SELECT id FROM dead_letters ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
          ORDER BY id LIMIT $${params.length}`,
        params,
      );
      return res.rows.map((r) => Number(r.id));
    },

    /** Deletes the dead letters with these ids, open or replayed, and history nothing else shows. */
    purgeDeadLetters(ids: readonly number[]): Promise<PurgedDeadLetter[]> {
      return withTransaction(pool, async (client) => {
        const gone = await client.query<{ id: string; webhook_id: string }>(
          `DELETE FROM dead_letters WHERE id = ANY($1::bigint[]) RETURNING id, webhook_id`,
          [[...new Set(ids)]],
        );
        await deleteUnreferencedFailures(
          client,
          gone.rows.map((r) => r.webhook_id),
        );
        return gone.rows
          .map((r) => ({ id: Number(r.id), webhook_id: r.webhook_id }))
          .sort((a, b) => a.id - b.id);
      });
    },
  };
}

export type RetentionStore = ReturnType<typeof makeRetentionStore>;
