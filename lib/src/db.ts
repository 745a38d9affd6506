import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { errorMessage } from './errors.js';
import type { Logger } from './logger.js';

export type { Pool, PoolClient } from 'pg';

/**
 * A pg pool with the timeouts a service wants: connecting fails fast (so a PostgreSQL outage
 * shows up as an error the caller can classify), and idle clients that break are logged instead
 * of crashing the process.
 */
export function makePool(options: {
  connectionString: string;
  max?: number;
  logger: Logger;
  applicationName?: string;
  statementTimeoutMs?: number;
}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
    application_name: options.applicationName,
    statement_timeout: options.statementTimeoutMs ?? 30_000,
  });
  // The message only: the error object carries the whole client, connection settings included.
  pool.on('error', (err) => options.logger.warn({ err: errorMessage(err) }, 'idle PostgreSQL client failed'));
  return pool;
}

const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '08000', // connection_exception
  '08003',
  '08006',
  '08001',
  '08004',
  '40001', // serialization_failure
  '40P01', // deadlock_detected
]);

/**
 * Whether a pg error means "the database is unavailable right now" (try again later, the data
 * is fine) rather than "this statement or row is wrong".
 */
export function isTransientDbError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return true;
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down)/i.test(
    err.message,
  );
}

/**
 * Runs `fn` on one client checked out of `pool`, and destroys the client afterwards instead of
 * returning it when its connection broke. pg reports a connection that drops while a client is
 * checked out as an `error` event on the client, which would crash the process unhandled: it is
 * caught here and recorded in `health.broken`, as is any outage error `fn` throws; `fn` records
 * there the failures it swallows itself.
 */
export async function withCheckedOutClient<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient, health: { broken?: Error }) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  const health: { broken?: Error } = {};
  const onError = (err: Error) => {
    health.broken = err;
  };
  client.on('error', onError);
  try {
    return await fn(client, health);
  } catch (err) {
    if (isTransientDbError(err)) health.broken ??= err as Error;
    throw err;
  } finally {
    client.off('error', onError);
    client.release(health.broken);
  }
}

/**
 * Runs `fn` between BEGIN and COMMIT on one pooled client (ROLLBACK when it throws); a client
 * whose connection failed (or that failed with any outage error) is destroyed instead of going
 * back to the pool (withCheckedOutClient).
 */
export function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return withCheckedOutClient(pool, async (client, health) => {
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      if (isTransientDbError(err)) health.broken ??= err as Error;
      if (!health.broken) {
        await client.query('ROLLBACK').catch((e: unknown) => {
          health.broken = e instanceof Error ? e : new Error(String(e));
        });
      }
      throw err;
    }
  });
}

/** Polls `SELECT 1` until it answers or the deadline passes. */
export async function waitForDatabase(connectionString: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const client = new pg.Client({ connectionString, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 250));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  throw new Error(`PostgreSQL did not answer within ${timeoutMs} ms: ${String(last)}`);
}

export interface MigrationResult {
  applied: string[];
  skipped: string[];
}

/**
 * Applies `NNN_name.sql` files from `dir` in order, each in its own transaction, recording them
 * in `schema_migrations`. Safe to run again and from several processes at once (an advisory
 * lock serialises runners). A file changed after it was applied is an error.
 */
export async function migrate(
  connectionString: string,
  dir: string,
  logger?: Logger,
): Promise<MigrationResult> {
  const files = (await readdir(dir)).filter((f) => /^\d+_[\w-]+\.sql$/.test(f)).sort();
  const client = new pg.Client({ connectionString });
  await client.connect();
  const lockKey = 0x686f6f6b; // "hook"
  try {
    await client.query('SELECT pg_advisory_lock($1)', [lockKey]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version text PRIMARY KEY,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = new Map(
      (
        await client.query<{ version: string; checksum: string }>(
          'SELECT version, checksum FROM schema_migrations',
        )
      ).rows.map((r) => [r.version, r.checksum]),
    );
    const result: MigrationResult = { applied: [], skipped: [] };
    for (const file of files) {
      const sql = await readFile(path.join(dir, file), 'utf8');
      const checksum = createHash('sha256').update(sql).digest('hex');
      const version = file.replace(/\.sql$/, '');
      const prior = done.get(version);
      if (prior !== undefined) {
        if (prior !== checksum) {
          throw new Error(
            `migration ${file} in ${dir} changed after it was applied; add a new migration instead`,
          );
        }
        result.skipped.push(version);
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)', [
          version,
          checksum,
        ]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${file} failed: ${(err as Error).message}`, { cause: err });
      }
      logger?.info({ migration: version }, 'migration applied');
      result.applied.push(version);
    }
    return result;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [lockKey]).catch(() => undefined);
    await client.end();
  }
}
