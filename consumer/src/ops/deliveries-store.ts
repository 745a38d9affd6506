import { randomUUID } from 'node:crypto';
import type { Pool, SignatureScheme } from '@hookpipe/lib';
import type { ClaimedOperationalDelivery, OperationalOutcome } from './attempt.js';

interface ClaimDbRow {
  id: string;
  message_id: string;
  event_type: string;
  body: Buffer;
  attempts: number;
  url: string;
  signature_scheme: SignatureScheme;
  secret: string;
  live: boolean;
}

/** A claim: its rows, and the token that proves them ours when recording. */
export interface Claim {
  token: string;
  rows: ClaimedOperationalDelivery[];
}

/** The delivery worker's side of `operational_deliveries`: claiming due rows and recording attempts. */
export function makeOperationalDeliveriesStore(pool: Pool) {
  return {
    /**
     * Claims up to `limit` due deliveries: rows another consumer is claiming are skipped, and each
     * claimed row's next attempt moves to `leaseUntil`, so it comes due again if this consumer dies
     * before recording. The attempt is counted at the claim, so a crash loop still ends.
     */
    async claim(now: Date, leaseUntil: Date, limit: number): Promise<Claim> {
      const token = randomUUID();
      const res = await pool.query<ClaimDbRow>(
        `WITH due AS (
           SELECT id FROM operational_deliveries
            WHERE status = 'pending' AND next_attempt_at <= $1
            ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
         UPDATE operational_deliveries d
            SET attempts = d.attempts + 1, next_attempt_at = $2, claim_token = $4
           FROM due, operational_endpoints e
          WHERE d.id = due.id AND e.id = d.endpoint_id
         RETURNING d.id, d.message_id, d.event_type, d.body, d.attempts, e.url, e.signature_scheme, e.secret,
                   (e.active AND e.deleted_at IS NULL) AS live`,
        [now, leaseUntil, limit, token],
      );
      return {
        token,
        rows: res.rows.map((r) => ({
          id: Number(r.id),
          messageId: r.message_id,
          eventType: r.event_type,
          body: r.body,
          attempt: r.attempts,
          url: r.url,
          scheme: r.signature_scheme,
          secret: r.secret,
          live: r.live,
        })),
      };
    },

    /**
     * Records an attempt and what follows it, if the claim is still ours (a lease that ran out
     * and was claimed again makes this a no-op). The attempt row and the delivery's state change
     * together.
     */
    async record(id: number, token: string, attempt: number, outcome: OperationalOutcome): Promise<void> {
      if (outcome.kind === 'canceled') {
        await pool.query(
          `UPDATE operational_deliveries SET status = 'canceled', finished_at = now(), claim_token = NULL
            WHERE id = $1 AND claim_token = $2`,
          [id, token],
        );
        return;
      }
      const { sent, decision } = outcome;
      const status = decision.kind === 'retry' ? 'pending' : decision.kind;
      const lastError = decision.kind === 'delivered' ? null : (sent.error ?? decision.reason);
      await pool.query(
        `WITH d AS (
           UPDATE operational_deliveries
              SET status = $3, next_attempt_at = COALESCE($4, next_attempt_at), claim_token = NULL,
                  last_status_code = $5, last_error = $6, last_attempt_at = $7,
                  finished_at = CASE WHEN $3 = 'pending' THEN NULL ELSE now() END
            WHERE id = $1 AND claim_token = $2
           RETURNING id)
         INSERT INTO operational_attempts (delivery_id, attempt, status_code, error, duration_ms, started_at)
         SELECT id, $8, $5, $9, $10, $7 FROM d`,
        [
          id,
          token,
          status,
          decision.kind === 'retry' ? new Date(decision.at) : null,
          sent.statusCode,
          lastError,
          new Date(sent.startedAt),
          attempt,
          sent.error,
          sent.durationMs,
        ],
      );
    },
  };
}

export type OperationalDeliveriesStore = ReturnType<typeof makeOperationalDeliveriesStore>;
