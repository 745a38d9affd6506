import type { Pool } from '@hookpipe/lib';
import type { FaultKind } from '../delivery/attempt.js';
import type { Decision } from '../delivery/decide.js';

/** A delivery the worker claimed: what to send, and which attempt this is (1 = first). */
export interface ClaimedDelivery {
  id: string;
  token: string;
  messageId: string;
  webhookId: string;
  customerId: string;
  emitterId: string | null;
  url: string;
  headers: Record<string, string>;
  /** As stored (maybe sealed), newest first. */
  secrets: string[];
  body: Buffer;
  fault: FaultKind | null;
  attempt: number;
  /** In-flight bounds: the webhook's `max_in_flight`, and its emitter's `concurrency` if any. */
  caps: { webhook: number; emitter: number | null };
}

/** One finished attempt and the decision on it, as the worker hands it to {@link recordCompletions}. */
export interface Completion {
  id: string;
  token: string;
  webhookId: string;
  messageId: string;
  attempt: number;
  fault: FaultKind | null;
  signedAt: number;
  startedAt: number;
  finishedAt: number;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  responseExcerpt: string | null;
  decision: Decision;
}

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
  RETURNING d.id, d.message_id, d.webhook_id, d.customer_id, d.emitter_id, d.body, d.fault, d.attempts,
            chosen.webhook_cap, chosen.emitter_cap
)
SELECT c.*, w.url, w.headers,
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
  body: Buffer;
  fault: FaultKind | null;
  attempts: number;
  webhook_cap: number;
  emitter_cap: number | null;
  url: string;
  headers: Record<string, string>;
  secrets: string[];
}

/** The keys in-flight attempts are counted under: one per webhook, one per emitter. */
export const slotKeys = (d: { webhookId: string; emitterId: string | null }): string[] =>
  d.emitterId === null ? [`w:${d.webhookId}`] : [`w:${d.webhookId}`, `e:${d.emitterId}`];

/**
 * Claims up to `limit` due deliveries (FOR UPDATE SKIP LOCKED, so several senders share the
 * outbox), keeping each webhook within its `max_in_flight` and each emitter's deliveries within
 * its `concurrency`, counting what is `busy` already (keys from {@link slotKeys}). A claim moves
 * next_attempt_at out by the lease and counts the attempt: if this process dies, the row is due
 * again once the lease runs out.
 */
export async function claimDue(
  pool: Pool,
  opts: {
    now: number;
    limit: number;
    leaseMs: number;
    token: string;
    busy: ReadonlyMap<string, number>;
    /** Keys at their cap: their rows are not even looked at. */
    saturated: readonly string[];
  },
): Promise<ClaimedDelivery[]> {
  const keys = [...opts.busy.keys()];
  const ids = (prefix: string) => opts.saturated.filter((k) => k.startsWith(prefix)).map((k) => k.slice(2));
  const { rows } = await pool.query<ClaimRow>(CLAIM_SQL, [
    keys,
    keys.map((k) => opts.busy.get(k) ?? 0),
    new Date(opts.now),
    ids('w:'),
    ids('e:'),
    opts.limit * 2,
    opts.limit,
    opts.leaseMs,
    opts.token,
  ]);
  return rows.map((r) => ({
    id: r.id,
    token: opts.token,
    messageId: r.message_id,
    webhookId: r.webhook_id,
    customerId: r.customer_id,
    emitterId: r.emitter_id,
    url: r.url,
    headers: r.headers,
    secrets: r.secrets,
    body: r.body,
    fault: r.fault,
    attempt: r.attempts,
    caps: { webhook: r.webhook_cap, emitter: r.emitter_cap },
  }));
}

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

/**
 * Writes a batch of finished attempts in one transaction: each attempt row, each delivery's new
 * state (only when its claim is still ours), the emitters' counters, the webhooks' health, and
 * holds the pending deliveries of webhooks this batch disabled. Returns those webhook ids.
 */
export async function recordCompletions(
  pool: Pool,
  completions: readonly Completion[],
  opts: { now: number; disableAfterMs: number | null },
): Promise<string[]> {
  if (completions.length === 0) return [];
  const col = <T>(f: (c: Completion) => T) => completions.map(f);
  const health = webhookHealth(completions);
  const cutoff = opts.disableAfterMs === null ? null : new Date(opts.now - opts.disableAfterMs);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ id: string }>(RECORD_SQL, [
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
    ]);
    const disabled = rows.map((r) => r.id);
    if (disabled.length > 0) await client.query(HOLD_SQL, [disabled]);
    await client.query('COMMIT');
    return disabled;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/**
 * Repairs what a race or a crash can leave: pending deliveries of a DISABLED webhook go to
 * held, and those of a deleted webhook to canceled. Cheap (partial index), run now and then.
 */
export async function tidyOutbox(pool: Pool, now: number): Promise<void> {
  await pool.query(
    `UPDATE deliveries d SET status = CASE WHEN w.deleted_at IS NOT NULL THEN 'canceled' ELSE 'held' END,
            finished_at = CASE WHEN w.deleted_at IS NOT NULL THEN $1::timestamptz ELSE NULL END
     FROM webhooks w
     WHERE w.id = d.webhook_id
       AND ((d.status = 'pending' AND w.status = 'DISABLED' AND w.deleted_at IS NULL)
         OR (d.status IN ('pending', 'held') AND w.deleted_at IS NOT NULL))`,
    [new Date(now)],
  );
}
