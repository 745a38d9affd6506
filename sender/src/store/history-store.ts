import type { Pool } from '@hookpipe/lib';

/** A delivery as the API shows it (without its body). */
export interface DeliveryView {
  delivery_id: string;
  message_id: string;
  webhook_id: string;
  customer_id: string;
  event_id: string | null;
  emitter_id: string | null;
  event_type: string;
  fault: string | null;
  status: string;
  attempts: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
  finished_at: string | null;
}

const DELIVERY_COLUMNS = `id::text AS delivery_id, message_id, webhook_id, customer_id, event_id, emitter_id,
  event_type, fault, status, attempts,
  CASE WHEN status IN ('pending', 'held') THEN next_attempt_at END AS next_attempt_at,
  last_status_code, last_error, created_at, finished_at`;

type Timestamps<T> = { [K in keyof T]: K extends `${string}_at` ? Date | null : T[K] };

const iso = (d: Date | null) => (d === null ? null : d.toISOString());
function toView(r: Timestamps<DeliveryView>): DeliveryView {
  return {
    ...r,
    next_attempt_at: iso(r.next_attempt_at),
    created_at: r.created_at!.toISOString(),
    finished_at: iso(r.finished_at),
  };
}

export interface AttemptView {
  attempt: number;
  fault: string | null;
  webhook_timestamp: number;
  started_at: string;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
  response_excerpt: string | null;
  outcome: string;
  next_attempt_at: string | null;
}

export interface WebhookStats {
  window_seconds: number;
  since: string;
  attempts: number;
  succeeded: number;
  failed: number;
  success_rate: number | null;
  latency_ms: { p50: number | null; p99: number | null };
  fault_attempts: number;
  last_error: { at: string; message_id: string; status_code: number | null; error: string | null } | null;
  deliveries: { pending: number; held: number };
}

/** What was sent: deliveries, their attempts, and per-webhook statistics. */
export function makeHistoryStore(pool: Pool) {
  return {
    /** Deliveries of a webhook, newest first, before the cursor (a delivery id). */
    async listDeliveries(
      webhookId: string,
      filter: { status?: string; before?: string; limit: number },
    ): Promise<DeliveryView[]> {
      const { rows } = await pool.query<Timestamps<DeliveryView>>(
        `SELECT ${DELIVERY_COLUMNS} FROM deliveries
         WHERE webhook_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::bigint IS NULL OR id < $3)
         ORDER BY id DESC LIMIT $4`,
        [webhookId, filter.status ?? null, filter.before ?? null, filter.limit],
      );
      return rows.map(toView);
    },

    /**
     * Every delivery of an event (by the producer's event id, or by a message id = webhook-id)
     * with all its attempts in order; empty for an event that went to no webhook, null when no
     * event and no delivery has the id.
     */
    async attemptsFor(id: string): Promise<(DeliveryView & { attempt_log: AttemptView[] })[] | null> {
      const deliveries = await pool.query<Timestamps<DeliveryView>>(
        `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE event_id = $1 OR message_id = $1 ORDER BY id LIMIT 1000`,
        [id],
      );
      if (deliveries.rows.length === 0) {
        const event = await pool.query('SELECT 1 FROM events WHERE id = $1', [id]);
        return event.rowCount ? [] : null;
      }
      const attempts = await pool.query<
        Timestamps<Omit<AttemptView, 'webhook_timestamp'>> & { delivery_id: string; signed_at: string }
      >(
        `SELECT delivery_id::text, attempt, fault, signed_at, started_at, duration_ms, status_code, error,
                response_excerpt, outcome, next_attempt_at
         FROM delivery_attempts WHERE delivery_id = ANY($1::bigint[]) ORDER BY delivery_id, attempt, id`,
        [deliveries.rows.map((d) => d.delivery_id)],
      );
      return deliveries.rows.map((d) => ({
        ...toView(d),
        attempt_log: attempts.rows
          .filter((a) => a.delivery_id === d.delivery_id)
          .map((a) => ({
            attempt: a.attempt,
            fault: a.fault,
            webhook_timestamp: Number(a.signed_at),
            started_at: a.started_at!.toISOString(),
            duration_ms: a.duration_ms,
            status_code: a.status_code,
            error: a.error,
            response_excerpt: a.response_excerpt,
            outcome: a.outcome,
            next_attempt_at: iso(a.next_attempt_at),
          })),
      }));
    },

    /**
     * Attempt statistics of one webhook over a window. Fault attempts (deliberate bad messages) are
     * counted apart and left out of the success rate and latencies.
     */
    async webhookStats(webhookId: string, opts: { now: number; windowS: number }): Promise<WebhookStats> {
      const since = new Date(opts.now - opts.windowS * 1000);
      const [agg, last, open] = await Promise.all([
        pool.query<{ attempts: string; ok: string; faults: string; p50: number | null; p99: number | null }>(
          `SELECT count(*) FILTER (WHERE fault IS NULL) AS attempts,
                  count(*) FILTER (WHERE fault IS NULL AND status_code BETWEEN 200 AND 299) AS ok,
                  count(*) FILTER (WHERE fault IS NOT NULL) AS faults,
                  percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE fault IS NULL) AS p50,
                  percentile_cont(0.99) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE fault IS NULL) AS p99
           FROM delivery_attempts WHERE webhook_id = $1 AND started_at >= $2`,
          [webhookId, since],
        ),
        pool.query<{
          started_at: Date;
          message_id: string;
          status_code: number | null;
          error: string | null;
        }>(
          `SELECT started_at, message_id, status_code, error FROM delivery_attempts
           WHERE webhook_id = $1 AND started_at >= $2 AND fault IS NULL
             AND (status_code IS NULL OR status_code NOT BETWEEN 200 AND 299)
           ORDER BY started_at DESC, id DESC LIMIT 1`,
          [webhookId, since],
        ),
        pool.query<{ pending: string; held: string }>(
          `SELECT count(*) FILTER (WHERE status = 'pending') AS pending, count(*) FILTER (WHERE status = 'held') AS held
           FROM deliveries WHERE webhook_id = $1 AND status IN ('pending', 'held')`,
          [webhookId],
        ),
      ]);
      const a = agg.rows[0]!;
      const attempts = Number(a.attempts);
      const succeeded = Number(a.ok);
      const l = last.rows[0];
      return {
        window_seconds: opts.windowS,
        since: since.toISOString(),
        attempts,
        succeeded,
        failed: attempts - succeeded,
        success_rate: attempts === 0 ? null : succeeded / attempts,
        latency_ms: { p50: a.p50, p99: a.p99 },
        fault_attempts: Number(a.faults),
        last_error: l
          ? {
              at: l.started_at.toISOString(),
              message_id: l.message_id,
              status_code: l.status_code,
              error: l.error,
            }
          : null,
        deliveries: { pending: Number(open.rows[0]?.pending ?? 0), held: Number(open.rows[0]?.held ?? 0) },
      };
    },

    /** Throws unless the database answers (readiness). */
    async ping(): Promise<void> {
      await pool.query('SELECT 1');
    },
  };
}

export type HistoryStore = ReturnType<typeof makeHistoryStore>;
