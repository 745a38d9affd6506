import { type Pool, withTransaction } from '@hookpipe/lib';
import type { Completion } from '../model/delivery.js';
import { disabledWebhooks, exhaustedDeliveries, raiseOperational } from './operational-enqueue.js';

const RECORD_SQL = `
WITH r AS (
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::bigint[],
                       $8::timestamptz[], $9::int[], $10::int[], $11::text[], $12::text[], $13::text[], $14::timestamptz[])
    AS r(id, token, webhook_id, message_id, attempt, fault, signed_at, started_at, duration_ms, status_code,
         error, excerpt, outcome, next_at)
), moved AS (
  SELECT r.*, CASE
           WHEN r.outcome <> 'retry' THEN r.outcome
           WHEN d.status = 'canceled' OR w.deleted_at IS NOT NULL THEN 'canceled'
           WHEN w.status = 'DISABLED' THEN 'held'
           ELSE 'pending'
         END AS new_status
  FROM r JOIN deliveries d ON d.id = r.id AND d.claim_token = r.token
  JOIN webhooks w ON w.id = r.webhook_id
), upd AS (
  UPDATE deliveries d SET
    status = m.new_status,
    next_attempt_at = COALESCE(m.next_at, d.next_attempt_at),
    last_attempt_at = m.started_at,
    last_status_code = m.status_code,
    last_error = m.error,
    claim_token = NULL,
    finished_at = CASE WHEN m.new_status IN ('pending', 'held') THEN NULL ELSE $15::timestamptz END
  FROM moved m
  WHERE d.id = m.id AND d.claim_token = m.token
  RETURNING d.emitter_id, d.status, d.fault, d.last_status_code
), ins AS (
  INSERT INTO delivery_attempts (delivery_id, webhook_id, message_id, attempt, fault, signed_at, started_at,
                                 duration_ms, status_code, error, response_excerpt, outcome, next_attempt_at)
  SELECT id, webhook_id, message_id, attempt, fault, signed_at, started_at, duration_ms, status_code, error,
         excerpt, outcome, next_at
  FROM r
), cnt AS (
  INSERT INTO emitter_counters (emitter_id, name, n)
  SELECT emitter_id, name, count(*) FROM (
    SELECT emitter_id,
           CASE WHEN fault IS NULL THEN status
                ELSE 'fault.' || fault || '.status.' || COALESCE(last_status_code::text, 'error') END AS name
    FROM upd
    WHERE emitter_id IS NOT NULL AND status IN ('delivered', 'failed', 'rejected')
  ) x
  GROUP BY emitter_id, name
  ORDER BY emitter_id, name
  ON CONFLICT (emitter_id, name) DO UPDATE SET n = emitter_counters.n + EXCLUDED.n
), judged AS (
  SELECT h.id, h.ok, h.fail_since,
         (NOT h.ok AND w.status = 'ACTIVE' AND $16::timestamptz IS NOT NULL
          AND COALESCE(w.failing_since, h.fail_since) <= $16::timestamptz) AS disable
  FROM unnest($17::text[], $18::bool[], $19::timestamptz[]) AS h(id, ok, fail_since)
  JOIN webhooks w ON w.id = h.id
), health AS (
  UPDATE webhooks w SET
    failing_since = CASE WHEN j.ok THEN NULL ELSE COALESCE(w.failing_since, j.fail_since) END,
    status = CASE WHEN j.disable THEN 'DISABLED' ELSE w.status END,
    disabled_at = CASE WHEN j.disable THEN $15::timestamptz ELSE w.disabled_at END,
    disabled_reason = CASE WHEN j.disable
      THEN 'deliveries kept failing since ' || to_char(COALESCE(w.failing_since, j.fail_since) AT TIME ZONE 'UTC',
                                                       'YYYY-MM-DD"T"HH24:MI:SS"Z"')
      ELSE w.disabled_reason END,
    updated_at = CASE WHEN j.disable THEN $15::timestamptz ELSE w.updated_at END
  FROM judged j
  WHERE w.id = j.id
  RETURNING w.id, j.disable
)
SELECT id FROM health WHERE disable`;

const HOLD_SQL = `
UPDATE deliveries SET status = 'held'
WHERE webhook_id = ANY($1::text[]) AND status = 'pending'`;

/** Per webhook, from one batch of non-fault attempts: is the newest a success, and since when has it failed. */
export function webhookHealth(completions: readonly Completion[]): {
  ids: string[];
  ok: boolean[];
  failSince: (Date | null)[];
} {
  const byWebhook = new Map<string, { ok: boolean; failSince: number | null }>();
  const ordered = completions.filter((c) => c.fault === null).sort((a, b) => a.finishedAt - b.finishedAt);
  for (const c of ordered) {
    const state = byWebhook.get(c.webhookId) ?? { ok: true, failSince: null };
    if (c.decision.kind === 'delivered') {
      state.ok = true;
      state.failSince = null;
    } else {
      state.ok = false;
      state.failSince ??= c.startedAt;
    }
    byWebhook.set(c.webhookId, state);
  }
  const ids = [...byWebhook.keys()];
  return {
    ids,
    ok: ids.map((id) => byWebhook.get(id)!.ok),
    failSince: ids.map((id) => {
      const since = byWebhook.get(id)!.failSince;
      return since === null ? null : new Date(since);
    }),
  };
}

/** Finished attempts going back into the outbox. */
export function makeCompletionsStore(pool: Pool) {
  return {
    /**
     * Writes a batch of finished attempts in one transaction: each attempt row, each delivery's new
     * state (only when its claim is still ours), the emitters' counters, the webhooks' health, and
     * holds the pending deliveries of webhooks this batch disabled, and enqueues the operational
     * events of deliveries it failed and webhooks it disabled. Returns the disabled webhook ids.
     */
    async record(
      completions: readonly Completion[],
      opts: { now: number; disableAfterMs: number | null },
    ): Promise<string[]> {
      if (completions.length === 0) return [];
      const col = <T>(f: (c: Completion) => T) => completions.map(f);
      const health = webhookHealth(completions);
      const cutoff = opts.disableAfterMs === null ? null : new Date(opts.now - opts.disableAfterMs);
      return withTransaction(pool, async (client) => {
        const values = [
          col((c) => c.id),
          col((c) => c.token),
          col((c) => c.webhookId),
          col((c) => c.messageId),
          col((c) => c.attempt),
          col((c) => c.fault),
          col((c) => c.signedAt),
          col((c) => new Date(c.startedAt)),
          col((c) => c.durationMs),
          col((c) => c.statusCode),
          col((c) => c.error),
          col((c) => c.responseExcerpt),
          col((c) => c.decision.kind),
          col((c) => (c.decision.kind === 'retry' ? new Date(c.decision.at) : null)),
          new Date(opts.now),
          cutoff,
          health.ids,
          health.ok,
          health.failSince,
        ];
        // Named, like the claim: planned once per connection rather than at every batch.
        const { rows } = await client.query<{ id: string }>({
          name: 'outbox-record',
          text: RECORD_SQL,
          values,
        });
        const disabled = rows.map((r) => r.id);
        if (disabled.length > 0) await client.query(HOLD_SQL, [disabled]);
        // Only a batch with a final failure or a disable can raise an operational event.
        const failed = completions.filter((c) => c.fault === null && c.decision.kind === 'failed');
        if (failed.length > 0 || disabled.length > 0) {
          const at = new Date(opts.now);
          await raiseOperational(client, opts.now, async () => [
            ...(await exhaustedDeliveries(
              client,
              failed.map((c) => c.id),
              at,
            )),
            ...(await disabledWebhooks(client, disabled, at)),
          ]);
        }
        return disabled;
      });
    },
  };
}

export type CompletionsStore = ReturnType<typeof makeCompletionsStore>;
