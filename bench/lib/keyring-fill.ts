import { readFileSync } from 'node:fs';
import { waitUntil } from '@hookpipe/stack';
import { withClient } from '../../stack/src/reconcile.js';
import { scrapeSums } from './metrics.js';

/** Rows in the receiver's keyring table. */
export const secretCount = (databaseUrl: string): Promise<number> =>
  withClient(databaseUrl, async (c) =>
    Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM receiver_secrets')).rows[0]!.n),
  );

/**
 * Inserts `n` customers' secrets in one statement, each row as the consumer's `POST /secrets`
 * stores it (customer, scheme, a `whsec_` value of 32 random bytes, label); the table fills in
 * `secret_sha256` (unique) and `changed_xid` itself, and its statement trigger notifies the
 * handlers once. Customer ids are `<prefix><batch>-<i>`, so `removeBulkSecrets` finds them.
 */
export async function bulkInsertSecrets(databaseUrl: string, prefix: string, n: number): Promise<number> {
  if (n <= 0) return 0;
  const batch = Date.now().toString(36);
  return withClient(databaseUrl, async (c) => {
    const res = await c.query(
      `INSERT INTO receiver_secrets (customer_id, signature_scheme, secret, label)
       SELECT $1 || g, 'standard-webhooks',
              'whsec_' || encode(sha256(convert_to(gen_random_uuid()::text || clock_timestamp()::text || g, 'UTF8')), 'base64'),
              'bench'
         FROM generate_series(1, $2::int) AS g`,
      [`${prefix}${batch}-`, n],
    );
    return res.rowCount ?? 0;
  });
}

/** Deletes what `bulkInsertSecrets` put in (one statement; each row leaves its tombstone). */
export const removeBulkSecrets = (databaseUrl: string, prefix: string): Promise<number> =>
  withClient(databaseUrl, async (c) => {
    const res = await c.query('DELETE FROM receiver_secrets WHERE starts_with(customer_id, $1)', [prefix]);
    return res.rowCount ?? 0;
  });

/** Polls every handler's `hookpipe_handler_keyring_secrets` until each reports `size`. */
export async function waitForKeyring(
  handlerUrls: string[],
  size: number,
  timeoutMs = 180_000,
): Promise<void> {
  await waitUntil(
    async () => {
      const sizes = await Promise.all(
        handlerUrls.map(
          async (url) =>
            (await scrapeSums([url], ['hookpipe_handler_keyring_secrets'])).hookpipe_handler_keyring_secrets,
        ),
      );
      return sizes.every((s) => s === size);
    },
    { timeoutMs, what: `every handler's keyring at ${size} secrets` },
  );
}

/** Resident memory of each process, in MiB (VmRSS from /proc). */
export const handlerRssMiB = (pids: number[]): number[] =>
  pids.map((pid) => {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  });

/**
 * Deletes and inserts the customers' secrets again in one transaction: new ids put them after
 * every other secret, so the bare path (which stops at the first secret that matches, trying
 * them in load order) has to try all the others first.
 */
export const moveSecretsLast = (
  databaseUrl: string,
  customers: { id: string; secret: string }[],
): Promise<void> =>
  withClient(databaseUrl, async (c) => {
    await c.query('BEGIN');
    await c.query('DELETE FROM receiver_secrets WHERE customer_id = ANY($1)', [customers.map((x) => x.id)]);
    await c.query(
      `INSERT INTO receiver_secrets (customer_id, signature_scheme, secret, label)
       SELECT id, 'standard-webhooks', secret, 'bench' FROM unnest($1::text[], $2::text[]) AS t(id, secret)`,
      [customers.map((x) => x.id), customers.map((x) => x.secret)],
    );
    await c.query('COMMIT');
  });
