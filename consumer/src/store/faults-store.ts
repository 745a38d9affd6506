import type { FaultProfile, Pool } from '@hookpipe/lib';

export interface FaultProfileView {
  customer_id: string;
  profile: FaultProfile;
  updated_at: string;
}

export interface AttemptView {
  attempt: number | null;
  received_at: string;
  action: 'pass' | 'status' | 'delay' | 'drop';
  status: number | null;
  retry_after_s: number | null;
  delay_ms: number | null;
  handler_id: string | null;
  /** Time since this message id's previous attempt reached the receiver. */
  gap_ms: number | null;
  /** For an attempt after a Retry-After answer: whether it waited at least that long. */
  kept_retry_after: boolean | null;
}

export interface MessageAttempts {
  message_id: string;
  attempts: AttemptView[];
}

interface ProfileRow {
  customer_id: string;
  profile: FaultProfile;
  updated_at: Date;
}

const toView = (r: ProfileRow): FaultProfileView => ({
  customer_id: r.customer_id,
  profile: r.profile,
  updated_at: r.updated_at.toISOString(),
});

interface AttemptRow {
  message_id: string;
  attempt: number | null;
  received_at: Date;
  action: AttemptView['action'];
  status: number | null;
  retry_after_s: number | null;
  delay_ms: number | null;
  handler_id: string | null;
  gap_ms: number | null;
  prev_retry_after_s: number | null;
}

/**
 * Receiver fault profiles (`receiver_faults`, read by the handlers) and the attempts the handlers
 * recorded for customers that have one (`receiver_attempts`, `receiver_attempt_counts`).
 */
export function makeFaultsStore(pool: Pool) {
  return {
    async put(customerId: string, profile: FaultProfile): Promise<FaultProfileView> {
      const { rows } = await pool.query<ProfileRow>(
        `INSERT INTO receiver_faults (customer_id, profile, updated_at) VALUES ($1, $2, now())
         ON CONFLICT (customer_id) DO UPDATE SET profile = EXCLUDED.profile, updated_at = EXCLUDED.updated_at
         RETURNING customer_id, profile, updated_at`,
        [customerId, JSON.stringify(profile)],
      );
      return toView(rows[0]!);
    },

    async get(customerId: string): Promise<FaultProfileView | null> {
      const { rows } = await pool.query<ProfileRow>(
        'SELECT customer_id, profile, updated_at FROM receiver_faults WHERE customer_id = $1',
        [customerId],
      );
      return rows[0] ? toView(rows[0]) : null;
    },

    async list(): Promise<FaultProfileView[]> {
      const { rows } = await pool.query<ProfileRow>(
        'SELECT customer_id, profile, updated_at FROM receiver_faults ORDER BY customer_id',
      );
      return rows.map(toView);
    },

    /** Lifts a profile; false when the customer has none. Its recorded attempts stay. */
    async remove(customerId: string): Promise<boolean> {
      const res = await pool.query('DELETE FROM receiver_faults WHERE customer_id = $1', [customerId]);
      return (res.rowCount ?? 0) > 0;
    },

    /** Forgets a customer's recorded attempts and counts (the next attempt of any message is 1 again). */
    async clearAttempts(customerId: string): Promise<void> {
      await pool.query('DELETE FROM receiver_attempts WHERE customer_id = $1', [customerId]);
      await pool.query('DELETE FROM receiver_attempt_counts WHERE customer_id = $1', [customerId]);
    },

    /**
     * The customer's recorded attempts, grouped by message id: the `limit` message ids seen most
     * recently (or just `messageId`), each attempt with the gap since the one before it.
     */
    async attempts(
      customerId: string,
      opts: { messageId?: string; limit: number },
    ): Promise<MessageAttempts[]> {
      const { rows } = await pool.query<AttemptRow>(
        `WITH messages AS (
           SELECT message_id, max(received_at) AS last_at FROM receiver_attempts
           WHERE customer_id = $1 AND ($2::text IS NULL OR message_id = $2)
           GROUP BY message_id ORDER BY last_at DESC LIMIT $3
         )
         SELECT a.message_id, a.attempt, a.received_at, a.action, a.status, a.retry_after_s, a.delay_ms, a.handler_id,
                (extract(epoch FROM a.received_at - lag(a.received_at) OVER w) * 1000)::float8 AS gap_ms,
                lag(a.retry_after_s) OVER w AS prev_retry_after_s
         FROM receiver_attempts a JOIN messages m USING (message_id)
         WHERE a.customer_id = $1
         WINDOW w AS (PARTITION BY a.message_id ORDER BY a.received_at, a.id)
         ORDER BY m.last_at DESC, a.message_id, a.received_at, a.id`,
        [customerId, opts.messageId ?? null, opts.limit],
      );
      const byMessage = new Map<string, AttemptView[]>();
      for (const r of rows) {
        const list = byMessage.get(r.message_id) ?? [];
        list.push({
          attempt: r.attempt,
          received_at: r.received_at.toISOString(),
          action: r.action,
          status: r.status,
          retry_after_s: r.retry_after_s,
          delay_ms: r.delay_ms,
          handler_id: r.handler_id,
          gap_ms: r.gap_ms === null ? null : Math.round(r.gap_ms),
          kept_retry_after:
            r.prev_retry_after_s === null || r.gap_ms === null
              ? null
              : r.gap_ms >= r.prev_retry_after_s * 1000,
        });
        byMessage.set(r.message_id, list);
      }
      return [...byMessage].map(([message_id, attempts]) => ({ message_id, attempts }));
    },
  };
}

export type FaultsStore = ReturnType<typeof makeFaultsStore>;
