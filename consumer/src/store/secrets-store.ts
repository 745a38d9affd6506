import { createHash } from 'node:crypto';
import type { Pool, SignatureScheme } from '@hookpipe/lib';

export interface SecretView {
  id: number;
  customer_id: string;
  signature_scheme: SignatureScheme;
  label: string | null;
  /** First 12 hex digits of SHA-256 of the secret: tells secrets apart without showing one. */
  fingerprint: string;
  created_at: string;
}

export const fingerprint = (secret: string): string =>
  createHash('sha256').update(secret).digest('hex').slice(0, 12);

interface SecretDbRow {
  id: string;
  customer_id: string;
  signature_scheme: SignatureScheme;
  label: string | null;
  secret: string;
  created_at: Date;
}

const COLUMNS = 'id, customer_id, signature_scheme, label, secret, created_at';

const toView = (r: SecretDbRow): SecretView => ({
  id: Number(r.id),
  customer_id: r.customer_id,
  signature_scheme: r.signature_scheme,
  label: r.label,
  fingerprint: fingerprint(r.secret),
  created_at: r.created_at.toISOString(),
});

/**
 * The receiver's keyring (`receiver_secrets`). The table's trigger notifies the handler
 * replicas of every change. Secret values go in and never come out.
 */
export function makeSecretsStore(pool: Pool) {
  return {
    /** Installs a secret; `duplicate` when that exact secret is already installed. */
    async add(input: {
      customerId: string;
      scheme: SignatureScheme;
      secret: string;
      label: string | null;
    }): Promise<{ ok: true; secret: SecretView } | { ok: false; reason: 'duplicate' }> {
      try {
        const res = await pool.query<SecretDbRow>(
          `INSERT INTO receiver_secrets (customer_id, signature_scheme, secret, label) VALUES ($1, $2, $3, $4)
           RETURNING ${COLUMNS}`,
          [input.customerId, input.scheme, input.secret, input.label],
        );
        return { ok: true, secret: toView(res.rows[0]!) };
      } catch (err) {
        if ((err as { code?: string }).code === '23505') return { ok: false, reason: 'duplicate' };
        throw err;
      }
    },

    async list(customerId?: string): Promise<SecretView[]> {
      const res =
        customerId === undefined
          ? await pool.query<SecretDbRow>(`SELECT ${COLUMNS} FROM receiver_secrets ORDER BY id`)
          : await pool.query<SecretDbRow>(
              `SELECT ${COLUMNS} FROM receiver_secrets WHERE customer_id = $1 ORDER BY id`,
              [customerId],
            );
      return res.rows.map(toView);
    },

    /** Retires a secret; false when there is no such id. */
    async remove(id: number): Promise<boolean> {
      const res = await pool.query('DELETE FROM receiver_secrets WHERE id = $1', [id]);
      return (res.rowCount ?? 0) > 0;
    },
  };
}

export type SecretsStore = ReturnType<typeof makeSecretsStore>;
