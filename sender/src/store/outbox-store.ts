import type { Pool, SignatureScheme } from '@hookpipe/lib';
import type { ClaimedDelivery } from '../model/delivery.js';
import type { FaultKind } from '../model/fault-kinds.js';

const CLAIM_SQL = `
WITH inflight AS (
  SELECT * FROM unnest($1::text[], $2::int[]) AS t(k, n)
), candidates AS (
  SELECT d.id, d.webhook_id, d.emitter_id, d.next_attempt_at
  FROM deliveries d
  WHERE d.status = 'pending' AND d.next_attempt_at <= $3
    AND NOT (d.webhook_id = ANY($4::text[]))
    AND (d.emitter_id IS NULL OR NOT (d.emitter_id = ANY($5::text[])))
  ORDER BY d.next_attempt_at
  LIMIT $6
  FOR UPDATE SKIP LOCKED
), ranked AS (
  SELECT c.*,
         row_number() OVER (PARTITION BY c.webhook_id ORDER BY c.next_attempt_at, c.id) AS rn_w,
         row_number() OVER (PARTITION BY c.emitter_id ORDER BY c.next_attempt_at, c.id) AS rn_e
  FROM candidates c
), capped AS (
  SELECT r.id, r.next_attempt_at, w.max_in_flight AS webhook_cap, e.concurrency AS emitter_cap
  FROM ranked r
  JOIN webhooks w ON w.id = r.webhook_id AND w.status = 'ACTIVE' AND w.deleted_at IS NULL
  LEFT JOIN emitters e ON e.id = r.emitter_id
  LEFT JOIN inflight iw ON iw.k = 'w:' || r.webhook_id
  LEFT JOIN inflight ie ON ie.k = 'e:' || r.emitter_id
  WHERE r.rn_w <= w.max_in_flight - COALESCE(iw.n, 0)
    AND (r.emitter_id IS NULL OR r.rn_e <= e.concurrency - COALESCE(ie.n, 0))
), chosen AS (
  SELECT id, webhook_cap, emitter_cap FROM capped ORDER BY next_attempt_at LIMIT $7
), claimed AS (
  UPDATE deliveries d
  SET next_attempt_at = $3::timestamptz + $8::int * interval '1 millisecond',
      attempts = d.attempts + 1,
      claim_token = $9
  FROM chosen
  WHERE d.id = chosen.id
  RETURNING d.id, d.message_id, d.webhook_id, d.customer_id, d.emitter_id, d.event_type, d.body, d.fault, d.attempts,
            chosen.webhook_cap, chosen.emitter_cap
)
SELECT c.*, w.url, w.headers, w.signature_scheme,
       ARRAY(SELECT s.secret FROM webhook_secrets s
             WHERE s.webhook_id = w.id AND (s.expires_at IS NULL OR s.expires_at > $3)
             ORDER BY s.id DESC) AS secrets
FROM claimed c JOIN webhooks w ON w.id = c.webhook_id`;

interface ClaimRow {
  id: string;
  message_id: string;
  webhook_id: string;
  customer_id: string;
  emitter_id: string | null;
  event_type: string;
  body: Buffer;
  fault: FaultKind | null;
  attempts: number;
  webhook_cap: number;
  emitter_cap: number | null;
  url: string;
  headers: Record<string, string>;
  signature_scheme: SignatureScheme;
  secrets: string[];
}

export interface ClaimOptions {
  now: number;
  limit: number;
  leaseMs: number;
  token: string;
  busy: ReadonlyMap<string, number>;
  /** Keys at their cap: their rows are not even looked at. */
  saturated: readonly string[];
}

/** The keys in-flight attempts are counted under: one per webhook, one per emitter. */
export const slotKeys = (d: { webhookId: string; emitterId: string | null }): string[] =>
  d.emitterId === null ? [`w:${d.webhookId}`] : [`w:${d.webhookId}`, `e:${d.emitterId}`];

/** The outbox as the delivery worker sees it: claims of due deliveries, and repairs. */
export function makeOutboxStore(pool: Pool) {
  return {
    /**
     * Claims up to `limit` due deliveries (FOR UPDATE SKIP LOCKED, so several senders share the
     * outbox), keeping each webhook within its `max_in_flight` and each emitter's deliveries within
     * its `concurrency`, counting what is `busy` already (keys from {@link slotKeys}). A claim moves
     * next_attempt_at out by the lease and counts the attempt: if this process dies, the row is due
     * again once the lease runs out.
     */
    async claimDue(opts: ClaimOptions): Promise<ClaimedDelivery[]> {
      const keys = [...opts.busy.keys()];
      const ids = (prefix: string) =>
        opts.saturated.filter((k) => k.startsWith(prefix)).map((k) => k.slice(2));
      // Named: each connection parses and plans the claim once, not at every claim (at a few
      // hundred deliveries a second, planning it cost PostgreSQL as much as running it).
      const { rows } = await pool.query<ClaimRow>({
        name: 'outbox-claim',
        text: CLAIM_SQL,
        values: [
          keys,
          keys.map((k) => opts.busy.get(k) ?? 0),
          new Date(opts.now),
          ids('w:'),
          ids('e:'),
          opts.limit * 2,
          opts.limit,
          opts.leaseMs,
          opts.token,
        ],
      });
      return rows.map((r) => ({
        id: r.id,
        token: opts.token,
        messageId: r.message_id,
        webhookId: r.webhook_id,
        customerId: r.customer_id,
        emitterId: r.emitter_id,
        url: r.url,
        headers: r.headers,
        scheme: r.signature_scheme,
        eventType: r.event_type,
        secrets: r.secrets,
        body: r.body,
        fault: r.fault,
        attempt: r.attempts,
        caps: { webhook: r.webhook_cap, emitter: r.emitter_cap },
      }));
    },

    /**
     * Repairs what a race or a crash can leave: pending deliveries of a DISABLED webhook go to
     * held, and those of a deleted webhook to canceled. Cheap (partial index), run now and then.
     */
    async tidy(now: number): Promise<void> {
      await pool.query(
        `UPDATE deliveries d SET status = CASE WHEN w.deleted_at IS NOT NULL THEN 'canceled' ELSE 'held' END,
                finished_at = CASE WHEN w.deleted_at IS NOT NULL THEN $1::timestamptz ELSE NULL END
         FROM webhooks w
         WHERE w.id = d.webhook_id
           AND ((d.status = 'pending' AND w.status = 'DISABLED' AND w.deleted_at IS NULL)
             OR (d.status IN ('pending', 'held') AND w.deleted_at IS NOT NULL))`,
        [new Date(now)],
      );
    },
  };
}

export type OutboxStore = ReturnType<typeof makeOutboxStore>;
