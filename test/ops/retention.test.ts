/**
 * Retention on real PostgreSQL, both sides: rows older than the age are gone after one run of
 * each service's job (called through its function, with rows written with old timestamps),
 * newer rows and open dead letters stay; then the consumer's purge routes delete open dead
 * letters on request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePool, silentLogger, systemClock, type Pool, type RetentionReport } from '@hookpipe/lib';
import { makeConsumerRetention } from '../../consumer/src/retention.js';
import { makeSenderRetention } from '../../sender/src/retention.js';
import { getTestEnv, type TestEnv } from '../env.js';
import { database, receiverApi } from '../support/http.js';
import { pollUntil, unique } from '../support/poll.js';

const HOUR = 3600_000;
const ago = (hours: number) => new Date(Date.now() - hours * HOUR);
const settings = { hours: 72, intervalS: 300, batch: 2 }; // small batches: several per run

let env: TestEnv;
let receiver: ReturnType<typeof database>;
let sender: ReturnType<typeof database>;
const pools: Pool[] = [];

beforeAll(async () => {
  env = await getTestEnv();
  receiver = database(env.databaseUrl);
  sender = database(env.senderDatabaseUrl);
});

afterAll(async () => {
  await Promise.all([receiver?.end(), sender?.end(), ...pools.map((p) => p.end())]);
});

/** One run of a job, waiting while the service's own timer-driven run holds the lock. */
async function runOnce(job: { runOnce(): Promise<RetentionReport> }): Promise<RetentionReport> {
  return pollUntil(
    async () => {
      const report = await job.runOnce();
      return report.ran ? report : null;
    },
    { timeoutMs: 30_000, what: 'a retention run that holds the lock' },
  );
}

function pool(url: string): Pool {
  const p = makePool({ connectionString: url, max: 3, logger: silentLogger() });
  pools.push(p);
  return p;
}

describe('receiver retention (consumer)', () => {
  const p = unique('ret');
  const customer = `${p}-cust`;
  const id = (name: string) => `${p}-${name}`;
  let offset = 0;

  const event = (name: string, persistedAt: Date) =>
    receiver.query(
      `INSERT INTO events (webhook_id, customer_id, event_type, payload, received_at, persisted_at,
                           kafka_topic, kafka_partition, kafka_offset)
       VALUES ($1, $2, 'order.created', '{"type":"order.created","timestamp":"t","data":{}}', $3, $3,
               'webhooks.events', 0, 0)`,
      [id(name), customer, persistedAt],
    );
  const failures = async (name: string, n: number, failedAt: Date) => {
    for (let i = 0; i < n; i++) {
      await receiver.query(
        `INSERT INTO event_failures (webhook_id, retry_count, error_class, error_message, outcome,
                                     kafka_topic, kafka_partition, kafka_offset, failed_at)
         VALUES ($1, $2, 'InjectedFailure', 'test', 'retry', $3, 0, $4, $5)`,
        [id(name), i, `${p}-topic`, offset++, failedAt],
      );
    }
  };
  const deadLetter = async (name: string, failedAt: Date, replayedAt: Date | null) => {
    const rows = await receiver.query<{ id: string }>(
      `INSERT INTO dead_letters (webhook_id, customer_id, event_type, retry_count, reason, error_class,
                                 payload, raw_body, headers, original_topic, original_partition,
                                 original_offset, first_failed_at, failed_at, replayed_at, replay_count)
       VALUES ($1, $2, 'order.created', 3, 'test', 'InjectedFailure', '{}', '\\x7b7d', '{}',
               'webhooks.events.retry', 0, 0, $3, $3, $4, $5) RETURNING id`,
      [id(name), customer, failedAt, replayedAt, replayedAt ? 1 : 0],
    );
    return Number(rows[0]!.id);
  };
  const count = (table: 'events' | 'event_failures' | 'dead_letters', name: string) =>
    receiver.count(`SELECT count(*) FROM ${table} WHERE webhook_id = $1`, [id(name)]);
  const counts = async (name: string) => [
    await count('events', name),
    await count('event_failures', name),
    await count('dead_letters', name),
  ];

  let openOld = 0;

  it('deletes old events with their history and old replayed dead letters, and nothing else', async () => {
    // events: old (gone with failures), old but its webhook-id still has an open dead letter
    // (event gone, history kept), new (kept)
    await event('old-1', ago(100));
    await failures('old-1', 2, ago(101));
    await event('old-2', ago(80));
    await event('old-open', ago(100));
    await failures('old-open', 2, ago(101));
    await deadLetter('old-open', ago(90), null);
    await event('new', ago(1));
    await failures('new', 1, ago(1));
    // dead letters: open and very old (kept), replayed long ago (gone with history), replayed
    // recently (kept), replayed long ago and open again (old row gone, open row and history kept)
    openOld = await deadLetter('open-old', ago(500), null);
    await failures('open-old', 2, ago(500));
    await deadLetter('replayed-old', ago(110), ago(100));
    await failures('replayed-old', 2, ago(110));
    await deadLetter('replayed-new', ago(110), ago(1));
    await failures('replayed-new', 1, ago(110));
    await deadLetter('again', ago(120), ago(100));
    await deadLetter('again', ago(2), null);
    await failures('again', 3, ago(120));

    const job = makeConsumerRetention({
      pool: pool(env.databaseUrl),
      settings,
      clock: systemClock,
      logger: silentLogger(),
    });
    const report = await runOnce(job);
    expect(report.complete).toBe(true);
    expect(report.batches).toBeGreaterThan(2);

    expect(await counts('old-1')).toEqual([0, 0, 0]);
    expect(await counts('old-2')).toEqual([0, 0, 0]);
    expect(await counts('old-open')).toEqual([0, 2, 1]);
    expect(await counts('new')).toEqual([1, 1, 0]);
    expect(await counts('open-old')).toEqual([0, 2, 1]);
    expect(await counts('replayed-old')).toEqual([0, 0, 0]);
    expect(await counts('replayed-new')).toEqual([0, 1, 1]);
    expect(await counts('again')).toEqual([0, 3, 1]);
    expect(
      await receiver.count(
        `SELECT count(*) FROM dead_letters WHERE webhook_id = $1 AND replayed_at IS NULL`,
        [id('again')],
      ),
    ).toBe(1);
  });

  it('purges open dead letters on request: one by id, then by filter', async () => {
    const api = receiverApi(env);
    expect((await api.delete(`/dead-letters/${openOld}`)).status).toBe(204);
    expect(await counts('open-old')).toEqual([0, 0, 0]);
    expect((await api.delete(`/dead-letters/${openOld}`)).status).toBe(404);

    const bulk = await api.post('/dead-letters/purge', { filter: { customer_id: customer } });
    expect(bulk.status, JSON.stringify(bulk.json)).toBe(200);
    const purged = (bulk.json as unknown as { purged: { webhook_id: string }[] }).purged;
    expect(purged.map((d) => d.webhook_id).sort()).toEqual([id('again'), id('old-open')].sort());
    expect(await counts('old-open')).toEqual([0, 0, 0]);
    expect(await counts('again')).toEqual([0, 0, 0]);
    // A replayed dead letter is not "open": the default filter leaves it for retention.
    expect(await counts('replayed-new')).toEqual([0, 1, 1]);
    expect(await counts('new')).toEqual([1, 1, 0]);
  });
});

describe('sender retention', () => {
  const p = unique('ret');
  const webhook = `wh_${p}`;
  const id = (name: string) => `${p}-${name}`;

  afterAll(async () => {
    await sender.query(`DELETE FROM delivery_attempts WHERE webhook_id = $1`, [webhook]);
    await sender.query(`DELETE FROM deliveries WHERE webhook_id = $1`, [webhook]);
    await sender.query(`DELETE FROM events WHERE id LIKE $1`, [`${p}-%`]);
    await sender.query(`DELETE FROM webhooks WHERE id = $1`, [webhook]);
  });

  const delivery = async (
    name: string,
    status: string,
    opts: { createdAt: Date; finishedAt?: Date; event?: string; attempts?: number; fault?: string },
  ) => {
    const rows = await sender.query<{ id: string }>(
      `INSERT INTO deliveries (message_id, webhook_id, customer_id, event_id, event_type, body, fault, status,
                               attempts, next_attempt_at, created_at, finished_at)
       VALUES ($1, $2, 'c', $3, 'order.created', '\\x7b7d', $4, $5, $6, '2100-01-01', $7, $8) RETURNING id`,
      [
        id(name),
        webhook,
        opts.event ? id(opts.event) : null,
        opts.fault ?? null,
        status,
        opts.attempts ?? 0,
        opts.createdAt,
        opts.finishedAt ?? null,
      ],
    );
    for (let a = 1; a <= (opts.attempts ?? 0); a++) {
      await sender.query(
        `INSERT INTO delivery_attempts (delivery_id, webhook_id, message_id, attempt, signed_at, started_at,
                                        duration_ms, status_code, outcome)
         VALUES ($1, $2, $3, $4, 0, $5, 1, 500, 'retry')`,
        [rows[0]!.id, webhook, id(name), a, opts.createdAt],
      );
    }
  };
  const producerEvent = (name: string, createdAt: Date) =>
    sender.query(
      `INSERT INTO events (id, type, event_time, data, request_hash, answer, created_at)
       VALUES ($1, 'order.created', $2, '{}', 'h', '{}', $2)`,
      [id(name), createdAt],
    );
  const deliveryCounts = async (name: string) => [
    await sender.count(`SELECT count(*) FROM deliveries WHERE message_id = $1`, [id(name)]),
    await sender.count(`SELECT count(*) FROM delivery_attempts WHERE message_id = $1`, [id(name)]),
  ];
  const eventCount = (name: string) => sender.count(`SELECT count(*) FROM events WHERE id = $1`, [id(name)]);

  it('deletes finished deliveries with their attempts and events left without deliveries, and nothing else', async () => {
    await sender.query(
      `INSERT INTO webhooks (id, customer_id, url, max_in_flight, created_at, updated_at)
       VALUES ($1, 'c', 'http://127.0.0.1:9/retention-test', 1, now(), now())`,
      [webhook],
    );
    await producerEvent('e-old', ago(100)); // its only delivery is old: goes after it
    await producerEvent('e-kept', ago(100)); // old, but a delivery of it is recent
    await producerEvent('e-pending', ago(200)); // old, its delivery is still pending
    await producerEvent('e-new', ago(1));
    await producerEvent('e-orphan', ago(100)); // old, no delivery at all
    const old = { createdAt: ago(101), finishedAt: ago(100) };
    await delivery('delivered-old', 'delivered', { ...old, event: 'e-old', attempts: 2 });
    await delivery('failed-old', 'failed', { ...old, attempts: 3 });
    await delivery('rejected-old', 'rejected', { ...old, attempts: 1, fault: 'bad_signature' });
    await delivery('canceled-old', 'canceled', old);
    await delivery('delivered-new', 'delivered', {
      createdAt: ago(100),
      finishedAt: ago(1),
      event: 'e-kept',
      attempts: 1,
    });
    await delivery('pending-old', 'pending', { createdAt: ago(200), event: 'e-pending', attempts: 1 });
    await delivery('held-old', 'held', { createdAt: ago(200) });

    const job = makeSenderRetention({
      pool: pool(env.senderDatabaseUrl),
      settings,
      clock: systemClock,
      logger: silentLogger(),
    });
    const report = await runOnce(job);
    expect(report.complete).toBe(true);

    for (const name of ['delivered-old', 'failed-old', 'rejected-old', 'canceled-old']) {
      expect(await deliveryCounts(name), name).toEqual([0, 0]);
    }
    expect(await deliveryCounts('delivered-new')).toEqual([1, 1]);
    expect(await deliveryCounts('pending-old')).toEqual([1, 1]);
    expect(await deliveryCounts('held-old')).toEqual([1, 0]);
    expect(await eventCount('e-old')).toBe(0);
    expect(await eventCount('e-orphan')).toBe(0);
    expect(await eventCount('e-kept')).toBe(1);
    expect(await eventCount('e-pending')).toBe(1);
    expect(await eventCount('e-new')).toBe(1);
  });
});
