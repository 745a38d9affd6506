/**
 * The consumer's retention job on real PostgreSQL deletes finished operational deliveries (with
 * their attempts) older than the age, in batches, and never a pending one however old; as
 * test/ops/retention.test.ts does for the other tables: rows written with old timestamps, one run
 * of the job called through its function.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePool, silentLogger, systemClock, type Pool, type RetentionReport } from '@hookpipe/lib';
import { makeConsumerRetention } from '../../consumer/src/retention.js';
import { getTestEnv, type TestEnv } from '../env.js';
import { database } from '../support/http.js';
import { pollUntil, unique } from '../support/poll.js';

const HOUR = 3600_000;
const ago = (hours: number) => new Date(Date.now() - hours * HOUR);

let env: TestEnv;
let db: ReturnType<typeof database>;
let pool: Pool;
const endpoint = `opwh_${unique('ret')
  .replace(/[^A-Za-z0-9]/g, '')
  .slice(0, 26)}`;

beforeAll(async () => {
  env = await getTestEnv();
  db = database(env.databaseUrl);
  pool = makePool({ connectionString: env.databaseUrl, max: 3, logger: silentLogger() });
  // Removed at once: nothing is enqueued for it, and the worker never sends its rows.
  await db.query(
    `INSERT INTO operational_endpoints (id, url, secret, event_types, deleted_at)
     VALUES ($1, 'http://127.0.0.1:9/retention-test', 'whsec_x', '{*}', now())`,
    [endpoint],
  );
});

afterAll(async () => {
  await db?.query(`DELETE FROM operational_deliveries WHERE endpoint_id = $1`, [endpoint]);
  await db?.query(`DELETE FROM operational_endpoints WHERE id = $1`, [endpoint]);
  await Promise.all([db?.end(), pool?.end()]);
});

/** One run of the job, waiting while the consumer's own timer-driven run holds the lock. */
const runOnce = (job: { runOnce(): Promise<RetentionReport> }) =>
  pollUntil(
    async () => {
      const report = await job.runOnce();
      return report.ran ? report : null;
    },
    { timeoutMs: 30_000, what: 'a retention run that holds the lock' },
  );

const delivery = async (
  name: string,
  status: string,
  createdAt: Date,
  finishedAt: Date | null,
  attempts: number,
) => {
  const rows = await db.query<{ id: string }>(
    `INSERT INTO operational_deliveries (endpoint_id, message_id, event_type, body, status, attempts,
                                         next_attempt_at, created_at, finished_at)
     VALUES ($1, $2, 'dead_letter.created', '\\x7b7d', $3, $4, '2100-01-01', $5, $6) RETURNING id`,
    [endpoint, name, status, attempts, createdAt, finishedAt],
  );
  for (let a = 1; a <= attempts; a++) {
    await db.query(
      `INSERT INTO operational_attempts (delivery_id, attempt, status_code, duration_ms, started_at)
       VALUES ($1, $2, 500, 1, $3)`,
      [rows[0]!.id, a, createdAt],
    );
  }
};

const counts = async (name: string) => [
  await db.count(`SELECT count(*) FROM operational_deliveries WHERE endpoint_id = $1 AND message_id = $2`, [
    endpoint,
    name,
  ]),
  await db.count(
    `SELECT count(*) FROM operational_attempts a JOIN operational_deliveries d ON d.id = a.delivery_id
      WHERE d.endpoint_id = $1 AND d.message_id = $2`,
    [endpoint, name],
  ),
];

describe('receiver retention of operational deliveries', () => {
  it('deletes finished deliveries older than the age with their attempts, never a pending one', async () => {
    await delivery('delivered-old', 'delivered', ago(101), ago(100), 2);
    await delivery('failed-old', 'failed', ago(101), ago(100), 3);
    await delivery('canceled-old', 'canceled', ago(101), ago(100), 0);
    await delivery('delivered-new', 'delivered', ago(100), ago(1), 1);
    await delivery('pending-old', 'pending', ago(200), null, 1);

    const job = makeConsumerRetention({
      pool,
      settings: { hours: 72, intervalS: 300, batch: 2 }, // small batches: several per run
      clock: systemClock,
      logger: silentLogger(),
    });
    const report = await runOnce(job);
    expect(report.complete).toBe(true);
    // Other tests' rows may go too: at least ours, with their attempts counted.
    expect(report.deleted.operational_deliveries).toBeGreaterThanOrEqual(3);
    expect(report.deleted.operational_attempts).toBeGreaterThanOrEqual(5);

    for (const name of ['delivered-old', 'failed-old', 'canceled-old']) {
      expect(await counts(name), name).toEqual([0, 0]);
    }
    expect(await counts('delivered-new')).toEqual([1, 1]);
    expect(await counts('pending-old')).toEqual([1, 1]);
  });
});
