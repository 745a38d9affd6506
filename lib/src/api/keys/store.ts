import { createHash, randomBytes } from 'node:crypto';
import type { Pool } from 'pg';

/** An API key as the API shows it: never the key itself, never its hash. */
export interface ApiKeyView {
  id: string;
  name: string;
  /** The key's first characters, to tell keys apart (`hpk_3fA9c…`). */
  prefix: string;
  scopes: string[];
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

interface Row {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const COLUMNS = 'id, name, prefix, scopes, created_at, expires_at, last_used_at, revoked_at';
const iso = (d: Date | null) => (d ? d.toISOString() : null);
const toView = (r: Row): ApiKeyView => ({
  id: r.id,
  name: r.name,
  prefix: r.prefix,
  scopes: r.scopes,
  created_at: r.created_at.toISOString(),
  expires_at: iso(r.expires_at),
  last_used_at: iso(r.last_used_at),
  revoked_at: iso(r.revoked_at),
});

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A new key: `hpk_` and 40 base62 characters (about 238 random bits). */
export function newApiKey(): string {
  let out = 'hpk_';
  while (out.length < 44) {
    for (const b of randomBytes(64)) if (b < 248 && out.length < 44) out += BASE62[b % 62];
  }
  return out;
}

/**
 * What is stored of a key. Keys are long random strings, not passwords: one SHA-256 is enough to
 * make a stolen table useless, and it lets a key be found by an index lookup.
 */
export const keyHash = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

/** The `api_keys` table of a service's database (each service's migrations create it). */
export function makeApiKeysStore(pool: Pool) {
  return {
    async create(input: { name: string; scopes: readonly string[]; expiresAt: Date | null }) {
      const key = newApiKey();
      const { rows } = await pool.query<Row>(
        `INSERT INTO api_keys (id, name, prefix, key_sha256, scopes, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
        [
          `key_${randomBytes(9).toString('base64url')}`,
          input.name,
          `${key.slice(0, 12)}…`,
          keyHash(key),
          input.scopes,
          input.expiresAt,
        ],
      );
      return { view: toView(rows[0]!), key };
    },
    async list(): Promise<ApiKeyView[]> {
      const { rows } = await pool.query<Row>(`SELECT ${COLUMNS} FROM api_keys ORDER BY created_at, id`);
      return rows.map(toView);
    },
    async get(id: string): Promise<ApiKeyView | null> {
      const { rows } = await pool.query<Row>(`SELECT ${COLUMNS} FROM api_keys WHERE id = $1`, [id]);
      return rows[0] ? toView(rows[0]) : null;
    },
    /** Changes what is given; null when there is no such key. A revoked key stays revoked. */
    async update(
      id: string,
      patch: { name?: string; scopes?: readonly string[]; expiresAt?: Date | null },
    ): Promise<ApiKeyView | null> {
      const { rows } = await pool.query<Row>(
        `UPDATE api_keys SET
           name = CASE WHEN $2::boolean THEN $3 ELSE name END,
           scopes = CASE WHEN $4::boolean THEN $5::text[] ELSE scopes END,
           expires_at = CASE WHEN $6::boolean THEN $7::timestamptz ELSE expires_at END
         WHERE id = $1 RETURNING ${COLUMNS}`,
        [
          id,
          patch.name !== undefined,
          patch.name ?? null,
          patch.scopes !== undefined,
          patch.scopes ?? null,
          patch.expiresAt !== undefined,
          patch.expiresAt ?? null,
        ],
      );
      return rows[0] ? toView(rows[0]) : null;
    },
    /** Revokes a key for good; null when there is no such key. */
    async revoke(id: string): Promise<ApiKeyView | null> {
      const { rows } = await pool.query<Row>(
        `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING ${COLUMNS}`,
        [id],
      );
      return rows[0] ? toView(rows[0]) : null;
    },
    /** The key with this hash, whatever its state (the caller checks expiry and revocation). */
    async findByHash(hash: Buffer): Promise<ApiKeyView | null> {
      const { rows } = await pool.query<Row>(`SELECT ${COLUMNS} FROM api_keys WHERE key_sha256 = $1`, [hash]);
      return rows[0] ? toView(rows[0]) : null;
    },
    async touch(id: string, at: Date): Promise<void> {
      await pool.query('UPDATE api_keys SET last_used_at = $2 WHERE id = $1', [id, at]);
    },
  };
}

export type ApiKeysStore = ReturnType<typeof makeApiKeysStore>;
