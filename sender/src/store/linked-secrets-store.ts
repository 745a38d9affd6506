import type { Pool, PoolClient } from '@hookpipe/lib';

/**
 * A secret installed on the stack's own receiver along with a change (linked secrets): the
 * receiver's id for it, null when the receiver had it already (then it is not ours to remove).
 */
export interface ReceiverLink {
  receiverSecretId: number | null;
}

/** Records a secret installed on the receiver, in the transaction that stores it on the sender. */
export async function recordLink(
  client: PoolClient,
  webhookId: string,
  senderSecretId: string,
  link: ReceiverLink,
  at: Date,
): Promise<void> {
  await client.query(
    `INSERT INTO linked_secrets (webhook_id, sender_secret_id, receiver_secret_id, created_at)
     VALUES ($1, $2, $3, $4)`,
    [webhookId, senderSecretId, link.receiverSecretId, at],
  );
}

/** A linked secret due to leave the receiver. */
export interface DueRemoval {
  id: string;
  webhookId: string;
  /** Null: the receiver had it before we linked it, so it stays. */
  receiverSecretId: number | null;
}

/** The record of secrets the sender installed on its own stack's receiver (linked secrets). */
export function makeLinkedSecretsStore(pool: Pool) {
  return {
    /** The webhook's secrets still signing and not installed on the receiver (sealed, newest first). */
    async unlinkedSecrets(webhookId: string, now: number): Promise<{ id: string; secret: string }[]> {
      const { rows } = await pool.query<{ id: string; secret: string }>(
        `SELECT s.id::text, s.secret FROM webhook_secrets s
         WHERE s.webhook_id = $1 AND (s.expires_at IS NULL OR s.expires_at > $2)
           AND NOT EXISTS (SELECT 1 FROM linked_secrets l WHERE l.sender_secret_id = s.id AND l.removed_at IS NULL
                             AND (l.remove_after IS NULL OR l.remove_after > $2))
         ORDER BY s.id DESC`,
        [webhookId, new Date(now)],
      );
      return rows;
    },

    async record(
      webhookId: string,
      senderSecretId: string,
      receiverSecretId: number | null,
      now: number,
    ): Promise<void> {
      await pool.query(
        `INSERT INTO linked_secrets (webhook_id, sender_secret_id, receiver_secret_id, created_at)
         VALUES ($1, $2, $3, $4)`,
        [webhookId, senderSecretId, receiverSecretId, new Date(now)],
      );
    },

    /** A receiver secret to remove at once, with no sender secret behind it (an install undone). */
    async orphan(webhookId: string, receiverSecretId: number, now: number): Promise<void> {
      await pool.query(
        `INSERT INTO linked_secrets (webhook_id, receiver_secret_id, created_at, remove_after)
         VALUES ($1, $2, $3, $3)`,
        [webhookId, receiverSecretId, new Date(now)],
      );
    },

    /** Everything linked for the webhook leaves the receiver now (webhook deleted, or moved off the ingress). */
    async retireAll(webhookId: string, now: number): Promise<number> {
      const res = await pool.query(
        `UPDATE linked_secrets SET remove_after = $2
         WHERE webhook_id = $1 AND removed_at IS NULL AND (remove_after IS NULL OR remove_after > $2)`,
        [webhookId, new Date(now)],
      );
      return res.rowCount ?? 0;
    },

    async due(now: number, limit: number): Promise<DueRemoval[]> {
      const { rows } = await pool.query<{
        id: string;
        webhook_id: string;
        receiver_secret_id: string | null;
      }>(
        `SELECT id::text, webhook_id, receiver_secret_id::text FROM linked_secrets
         WHERE removed_at IS NULL AND remove_after <= $1
         ORDER BY remove_after, id LIMIT $2`,
        [new Date(now), limit],
      );
      return rows.map((r) => ({
        id: r.id,
        webhookId: r.webhook_id,
        receiverSecretId: r.receiver_secret_id === null ? null : Number(r.receiver_secret_id),
      }));
    },

    async removed(id: string, now: number): Promise<void> {
      await pool.query(`UPDATE linked_secrets SET removed_at = $2, last_error = NULL WHERE id = $1`, [
        id,
        new Date(now),
      ]);
    },

    async failed(id: string, error: string): Promise<void> {
      await pool.query(`UPDATE linked_secrets SET tries = tries + 1, last_error = $2 WHERE id = $1`, [
        id,
        error,
      ]);
    },
  };
}

export type LinkedSecretsStore = ReturnType<typeof makeLinkedSecretsStore>;
