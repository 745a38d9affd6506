import { type Pool, type SignatureScheme, withTransaction } from '@hookpipe/lib';
import { endpointDisabled, endpointEnabled } from '../model/operational.js';
import type { Data, WebhookRow } from '../model/webhook.js';
import type { SecretBox } from '../secrets.js';
import { recordLink, type ReceiverLink } from './linked-secrets-store.js';
import { raiseOperational } from './operational-enqueue.js';

interface Row {
  id: string;
  customer_id: string;
  url: string;
  description: string | null;
  event_types: string[];
  headers: Record<string, string>;
  max_in_flight: number;
  signature_scheme: SignatureScheme;
  payload: Data | null;
  status: 'ACTIVE' | 'DISABLED';
  failing_since: Date | null;
  disabled_at: Date | null;
  disabled_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id, customer_id, url, description, event_types, headers, max_in_flight, signature_scheme,
  payload, status, failing_since, disabled_at, disabled_reason, created_at, updated_at`;

const toWebhook = (r: Row): WebhookRow => ({
  id: r.id,
  customerId: r.customer_id,
  url: r.url,
  description: r.description,
  eventTypes: r.event_types,
  headers: r.headers,
  maxInFlight: r.max_in_flight,
  signatureScheme: r.signature_scheme,
  payload: r.payload,
  status: r.status,
  failingSince: r.failing_since,
  disabledAt: r.disabled_at,
  disabledReason: r.disabled_reason,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const isUniqueViolation = (err: unknown) => (err as { code?: unknown }).code === '23505';

export type NewWebhook = Pick<
  WebhookRow,
  | 'customerId'
  | 'url'
  | 'description'
  | 'eventTypes'
  | 'headers'
  | 'maxInFlight'
  | 'signatureScheme'
  | 'payload'
>;

export interface WebhookPatch {
  url?: string;
  description?: string | null;
  eventTypes?: string[];
  headers?: Record<string, string>;
  maxInFlight?: number;
  /** null clears it. */
  payload?: Data | null;
  active?: boolean;
}

/**
 * Webhook registrations and their signing secrets. Operational endpoints (the operator's, see
 * api/operational-routes.ts) are rows of their own kind: each call works on one kind, a
 * customer's webhook unless `operational` says otherwise.
 */
export function makeWebhooksStore(pool: Pool) {
  return {
    /**
     * Registers a webhook with its secret (and the record of that secret's install on the
     * receiver, when linked); `conflict` when the customer has that URL already.
     */
    async insert(
      input: NewWebhook,
      opts: {
        id: string;
        now: number;
        box: SecretBox;
        secret: string;
        link?: ReceiverLink;
        operational?: boolean;
      },
    ): Promise<{ ok: true; webhook: WebhookRow; secret: string } | { ok: false; reason: 'conflict' }> {
      const { secret } = opts;
      const now = new Date(opts.now);
      try {
        return await withTransaction(pool, async (client) => {
          const { rows } = await client.query<Row>(
            `INSERT INTO webhooks (id, customer_id, url, description, event_types, headers, max_in_flight, created_at,
                                   updated_at, signature_scheme, payload, operational)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10, $11) RETURNING ${COLUMNS}`,
            [
              opts.id,
              input.customerId,
              input.url,
              input.description,
              input.eventTypes,
              JSON.stringify(input.headers),
              input.maxInFlight,
              now,
              input.signatureScheme,
              input.payload === null ? null : JSON.stringify(input.payload),
              opts.operational ?? false,
            ],
          );
          const webhook = toWebhook(rows[0]!);
          const stored = await client.query<{ id: string }>(
            `INSERT INTO webhook_secrets (webhook_id, secret, created_at) VALUES ($1, $2, $3) RETURNING id`,
            [webhook.id, opts.box.seal(secret), now],
          );
          if (opts.link) await recordLink(client, webhook.id, stored.rows[0]!.id, opts.link, now);
          return { ok: true as const, webhook, secret };
        });
      } catch (err) {
        if (isUniqueViolation(err)) return { ok: false, reason: 'conflict' };
        throw err;
      }
    },

    async get(id: string, operational = false): Promise<WebhookRow | null> {
      const { rows } = await pool.query<Row>(
        `SELECT ${COLUMNS} FROM webhooks WHERE id = $1 AND deleted_at IS NULL AND operational = $2`,
        [id, operational],
      );
      return rows[0] ? toWebhook(rows[0]) : null;
    },

    /** A page of webhooks in id order (ids sort by creation time), after `cursor`. */
    async list(filter: {
      customerId?: string;
      status?: 'ACTIVE' | 'DISABLED';
      after?: string;
      limit: number;
      operational?: boolean;
    }): Promise<WebhookRow[]> {
      const { rows } = await pool.query<Row>(
        `SELECT ${COLUMNS} FROM webhooks
         WHERE deleted_at IS NULL AND ($1::text IS NULL OR customer_id = $1) AND ($2::text IS NULL OR status = $2)
           AND ($3::text IS NULL OR id > $3) AND operational = $5
         ORDER BY id LIMIT $4`,
        [
          filter.customerId ?? null,
          filter.status ?? null,
          filter.after ?? null,
          filter.limit,
          filter.operational ?? false,
        ],
      );
      return rows.map(toWebhook);
    },

    /**
     * Applies a patch. Disabling holds the webhook's pending deliveries; enabling clears its
     * failure record and releases them, due at once. A customer's webhook disabled or enabled
     * raises `endpoint.disabled` (manual) or `endpoint.enabled` in the same transaction.
     */
    async update(
      id: string,
      patch: WebhookPatch,
      now: number,
      operational = false,
    ): Promise<{ ok: true; webhook: WebhookRow } | { ok: false; reason: 'not_found' | 'conflict' }> {
      const at = new Date(now);
      try {
        return await withTransaction(pool, async (client) => {
          const { rows } = await client.query<Row>(
            `SELECT ${COLUMNS} FROM webhooks WHERE id = $1 AND deleted_at IS NULL AND operational = $2 FOR UPDATE`,
            [id, operational],
          );
          const current = rows[0];
          if (!current) return { ok: false as const, reason: 'not_found' as const };
          const enable = patch.active === true && current.status === 'DISABLED';
          const disable = patch.active === false && current.status === 'ACTIVE';
          const updated = await client.query<Row>(
            `UPDATE webhooks SET
               url = COALESCE($2, url),
               description = CASE WHEN $3::boolean THEN $4 ELSE description END,
               event_types = COALESCE($5, event_types),
               headers = COALESCE($6::jsonb, headers),
               max_in_flight = COALESCE($7, max_in_flight),
               payload = CASE WHEN $11::boolean THEN $12::jsonb ELSE payload END,
               status = CASE WHEN $8::boolean THEN 'ACTIVE' WHEN $9::boolean THEN 'DISABLED' ELSE status END,
               failing_since = CASE WHEN $8::boolean THEN NULL ELSE failing_since END,
               disabled_at = CASE WHEN $8::boolean THEN NULL WHEN $9::boolean THEN $10 ELSE disabled_at END,
               disabled_reason = CASE WHEN $8::boolean THEN NULL WHEN $9::boolean THEN 'disabled by request'
                                      ELSE disabled_reason END,
               updated_at = $10
             WHERE id = $1 RETURNING ${COLUMNS}`,
            [
              id,
              patch.url ?? null,
              patch.description !== undefined,
              patch.description ?? null,
              patch.eventTypes ?? null,
              patch.headers === undefined ? null : JSON.stringify(patch.headers),
              patch.maxInFlight ?? null,
              enable,
              disable,
              at,
              patch.payload !== undefined,
              patch.payload == null ? null : JSON.stringify(patch.payload),
            ],
          );
          if (enable) {
            await client.query(
              `UPDATE deliveries SET status = 'pending', next_attempt_at = $2 WHERE webhook_id = $1 AND status = 'held'`,
              [id, at],
            );
          }
          if (disable) {
            await client.query(
              `UPDATE deliveries SET status = 'held' WHERE webhook_id = $1 AND status = 'pending'`,
              [id],
            );
          }
          const webhook = toWebhook(updated.rows[0]!);
          if ((enable || disable) && !operational) {
            const event = enable ? endpointEnabled(webhook, at) : endpointDisabled(webhook, 'manual', at);
            await raiseOperational(client, now, () => Promise.resolve([event]));
          }
          return { ok: true as const, webhook };
        });
      } catch (err) {
        if (isUniqueViolation(err)) return { ok: false, reason: 'conflict' };
        throw err;
      }
    },

    /** Deletes a webhook (kept as history) and cancels what it had not delivered yet. */
    async remove(id: string, now: number, operational = false): Promise<boolean> {
      const at = new Date(now);
      return withTransaction(pool, async (client) => {
        const res = await client.query(
          `UPDATE webhooks SET deleted_at = $2, updated_at = $2
           WHERE id = $1 AND deleted_at IS NULL AND operational = $3`,
          [id, at, operational],
        );
        if (res.rowCount === 0) return false;
        await client.query(
          `UPDATE deliveries SET status = 'canceled', finished_at = $2
           WHERE webhook_id = $1 AND status IN ('pending', 'held')`,
          [id, at],
        );
        return true;
      });
    },

    /**
     * A new secret; the ones in use keep signing until `now + graceS` (capped by any earlier expiry),
     * so the receiver can install the new one without rejecting anything meanwhile.
     */
    async rotateSecret(
      id: string,
      opts: {
        now: number;
        graceS: number;
        box: SecretBox;
        secret: string;
        link?: ReceiverLink;
        slackS?: number;
      },
    ): Promise<{ secret: string; previousExpiresAt: Date } | null> {
      const at = new Date(opts.now);
      const until = new Date(opts.now + opts.graceS * 1000);
      const { secret } = opts;
      return withTransaction(pool, async (client) => {
        const found = await client.query(
          `SELECT 1 FROM webhooks WHERE id = $1 AND deleted_at IS NULL FOR UPDATE`,
          [id],
        );
        if (found.rowCount === 0) return null;
        await client.query(
          `UPDATE webhook_secrets SET expires_at = LEAST(COALESCE(expires_at, $2), $2)
           WHERE webhook_id = $1 AND (expires_at IS NULL OR expires_at > $3)`,
          [id, until, at],
        );
        // The receiver keeps an old secret a little past its last signature (in-flight attempts).
        await client.query(
          `UPDATE linked_secrets l SET remove_after = s.expires_at + $2 * interval '1 second'
           FROM webhook_secrets s
           WHERE l.sender_secret_id = s.id AND s.webhook_id = $1 AND s.expires_at IS NOT NULL AND l.removed_at IS NULL`,
          [id, opts.slackS ?? 0],
        );
        const stored = await client.query<{ id: string }>(
          `INSERT INTO webhook_secrets (webhook_id, secret, created_at) VALUES ($1, $2, $3) RETURNING id`,
          [id, opts.box.seal(secret), at],
        );
        if (opts.link) await recordLink(client, id, stored.rows[0]!.id, opts.link, at);
        await client.query(`UPDATE webhooks SET updated_at = $2 WHERE id = $1`, [id, at]);
        return { secret, previousExpiresAt: until };
      });
    },
  };
}

export type WebhooksStore = ReturnType<typeof makeWebhooksStore>;
