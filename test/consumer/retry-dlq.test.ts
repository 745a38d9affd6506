import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEADERS, TOPICS } from '@hookpipe/lib';
import { getTestEnv, type TestEnv } from '../env.js';
import {
  eventProducer,
  handlerRecord,
  pollUntil,
  receiverApi,
  receiverDb,
  topicReader,
  unique,
  waitConsumerReady,
} from './support.js';

// The stack runs the consumer with its defaults: 3 retries, failure injection on.
const MAX_RETRIES = 3;

let env: TestEnv;
let db: ReturnType<typeof receiverDb>;
let api: ReturnType<typeof receiverApi>;
let producer: Awaited<ReturnType<typeof eventProducer>>;
let consumerOverridden = false;

beforeAll(async () => {
  env = await getTestEnv();
  await waitConsumerReady(env.consumerUrl);
  db = receiverDb(env.databaseUrl);
  api = receiverApi(env.consumerUrl, env.receiverApiKey);
  producer = await eventProducer(env.kafkaBrokers);
});

afterAll(async () => {
  // Leave the consumer as found (default settings) even when an assertion failed mid-way.
  if (consumerOverridden) {
    await env.stopPart('consumer');
    await env.startPart('consumer');
    await waitConsumerReady(env.consumerUrl);
  }
  await producer?.stop();
  await db?.end();
});

const eventRow = (webhookId: string) =>
  db.pool.query<{ retry_count: number; kafka_topic: string; payload: unknown; customer_id: string }>(
    'SELECT retry_count, kafka_topic, payload, customer_id FROM events WHERE webhook_id = $1',
    [webhookId],
  );

describe('consumer retries and dead letters (real Kafka and PostgreSQL)', () => {
  it('persists an event that fails twice exactly once, with retry_count 2 and its retry history', async () => {
    const ev = handlerRecord({ customerId: unique('cust-retry'), data: { simulate: { fail: 2 } } });
    await producer.send([ev]);

    const rows = await pollUntil(
      async () => {
        const res = await eventRow(ev.webhookId);
        return res.rows.length ? res.rows : null;
      },
      {
        timeoutMs: 60_000,
        what: `event ${ev.webhookId} to be persisted`,
      },
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ retry_count: 2, kafka_topic: TOPICS.retry, customer_id: ev.customerId });
    expect(rows[0]!.payload).toEqual(JSON.parse(ev.value));

    const history = await db.pool.query<{ retry_count: number; outcome: string; error_class: string }>(
      'SELECT retry_count, outcome, error_class FROM event_failures WHERE webhook_id = $1 ORDER BY failed_at',
      [ev.webhookId],
    );
    expect(history.rows).toEqual([
      { retry_count: 0, outcome: 'retry', error_class: 'InjectedFailure' },
      { retry_count: 1, outcome: 'retry', error_class: 'InjectedFailure' },
    ]);
    const viaApi = await api.get(`/events/${ev.webhookId}`);
    expect(viaApi.status).toBe(200);
    expect(viaApi.json).toMatchObject({ webhook_id: ev.webhookId, retry_count: 2 });
    expect(viaApi.json.failures).toHaveLength(2);
    expect(
      await db.count('SELECT count(*) AS n FROM dead_letters WHERE webhook_id = $1', [ev.webhookId]),
    ).toBe(0);
  });

  it('dead-letters an unparseable record at once, with the reason', async () => {
    const ev = handlerRecord({
      customerId: unique('cust-poison'),
      body: '{"type": "order.created", "data": ',
    });
    await producer.send([ev]);
    const dl = await pollUntil(
      async () => {
        const res = await db.pool.query<{
          retry_count: number;
          error_class: string;
          reason: string;
          payload: unknown;
        }>('SELECT retry_count, error_class, reason, payload FROM dead_letters WHERE webhook_id = $1', [
          ev.webhookId,
        ]);
        return res.rows.length ? res.rows : null;
      },
      { timeoutMs: 30_000, what: 'the poison record to be dead-lettered' },
    );
    expect(dl).toHaveLength(1);
    expect(dl[0]).toMatchObject({ retry_count: 0, error_class: 'InvalidJson', payload: null });
    expect(dl[0]!.reason).toMatch(/not JSON/);
    expect(
      await db.count('SELECT count(*) AS n FROM event_failures WHERE webhook_id = $1', [ev.webhookId]),
    ).toBe(1);
    expect(await db.count('SELECT count(*) AS n FROM events WHERE webhook_id = $1', [ev.webhookId])).toBe(0);
  });

  it('dead-letters an always-failing event after exactly the max retries; a replay with injection off persists it once', async () => {
    const dlq = await topicReader(env.kafkaBrokers, TOPICS.dlq);
    try {
      const ev = handlerRecord({ customerId: unique('cust-dlq'), data: { simulate: { fail: 'always' } } });
      await producer.send([ev]);

      const deadLetter = await pollUntil(
        async () =>
          (
            await db.pool.query<{
              id: string;
              retry_count: number;
              error_class: string;
              original_topic: string;
            }>(
              'SELECT id, retry_count, error_class, original_topic FROM dead_letters WHERE webhook_id = $1',
              [ev.webhookId],
            )
          ).rows[0],
        { timeoutMs: 90_000, what: `event ${ev.webhookId} to be dead-lettered` },
      );
      expect(deadLetter).toMatchObject({
        retry_count: MAX_RETRIES,
        error_class: 'InjectedFailure',
        original_topic: TOPICS.retry,
      });
      expect(
        await db.count('SELECT count(*) AS n FROM dead_letters WHERE webhook_id = $1', [ev.webhookId]),
      ).toBe(1);
      const history = await db.pool.query<{ retry_count: number; outcome: string }>(
        'SELECT retry_count, outcome FROM event_failures WHERE webhook_id = $1 ORDER BY failed_at',
        [ev.webhookId],
      );
      expect(history.rows).toEqual([
        { retry_count: 0, outcome: 'retry' },
        { retry_count: 1, outcome: 'retry' },
        { retry_count: 2, outcome: 'retry' },
        { retry_count: 3, outcome: 'dead_letter' },
      ]);
      expect(await db.count('SELECT count(*) AS n FROM events WHERE webhook_id = $1', [ev.webhookId])).toBe(
        0,
      );

      // The DLQ record: key, body and original headers unchanged, plus where and why it failed.
      const [record, ...more] = await pollUntil(
        () => (dlq.of(ev.webhookId).length ? dlq.of(ev.webhookId) : null),
        {
          timeoutMs: 30_000,
          what: 'the DLQ record',
        },
      );
      expect(more).toHaveLength(0);
      expect(record!.key).toBe(ev.customerId);
      expect(record!.value).toBe(ev.value);
      const h = record!.headers;
      for (const name of [
        HEADERS.webhookId,
        HEADERS.eventType,
        HEADERS.customerId,
        HEADERS.receivedAt,
        HEADERS.requestId,
        HEADERS.signedAt,
      ]) {
        expect(h[name], name).toBe(ev.headers[name]);
      }
      expect(h).toMatchObject({
        [HEADERS.retryCount]: String(MAX_RETRIES),
        [HEADERS.originalTopic]: TOPICS.retry,
        [HEADERS.consumerGroup]: 'hookpipe-consumer',
        [HEADERS.errorClass]: 'InjectedFailure',
      });
      expect(h[HEADERS.originalPartition]).toMatch(/^\d+$/);
      expect(h[HEADERS.originalOffset]).toMatch(/^\d+$/);
      expect(h[HEADERS.originalTimestamp]).toMatch(/^\d{13}$/);
      expect(h[HEADERS.errorMessage]).toContain('always');
      const firstFailed = Date.parse(h[HEADERS.firstFailedAt]!);
      const failed = Date.parse(h[HEADERS.failedAt]!);
      expect(failed).toBeGreaterThan(firstFailed);

      // Replay with the failure rule off: persisted once, with retry_count reset.
      consumerOverridden = true;
      await env.stopPart('consumer');
      await env.startPart('consumer', { env: { CONSUMER_FAILURE_INJECTION: 'off' } });
      await waitConsumerReady(env.consumerUrl);
      const replay = await api.post(`/dead-letters/${deadLetter.id}/replay`);
      expect(replay.status).toBe(200);
      expect(replay.json).toMatchObject({ id: Number(deadLetter.id), webhook_id: ev.webhookId });
      const rows = await pollUntil(
        async () => {
          const res = await eventRow(ev.webhookId);
          return res.rows.length ? res.rows : null;
        },
        {
          timeoutMs: 30_000,
          what: 'the replayed event to be persisted',
        },
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ retry_count: 0, kafka_topic: TOPICS.events });
      const after = await api.get(`/dead-letters/${deadLetter.id}`);
      expect(after.json).toMatchObject({ replay_count: 1, replayed_at: expect.any(String) });
      const again = await api.post(`/dead-letters/${deadLetter.id}/replay`);
      expect(again.status).toBe(409);
      expect(again.json).toMatchObject({ error: 'already_replayed' });
    } finally {
      await dlq.stop();
    }
  });

  it('a retry waiting for its time pauses only its partition: other events flow, the member keeps its session', async () => {
    // A retry delay longer than the session timeout: sleeping in the batch handler would get the member kicked.
    const SESSION_MS = 10_000;
    const DELAY_MS = 15_000;
    consumerOverridden = true;
    await env.stopPart('consumer');
    await env.startPart('consumer', {
      env: {
        CONSUMER_RETRY_BASE_MS: String(DELAY_MS),
        CONSUMER_SESSION_TIMEOUT_MS: String(SESSION_MS),
        CONSUMER_HEARTBEAT_INTERVAL_MS: '1000',
      },
    });
    await waitConsumerReady(env.consumerUrl);
    const memberBefore = (await api.get('/stats')).json.consumer as { member_id: string };

    const customer = unique('cust-wait');
    const slow = handlerRecord({ customerId: customer, data: { simulate: { fail: 1 } } });
    await producer.send([slow]);
    const failure = await pollUntil(
      async () =>
        (
          await db.pool.query<{ not_before: Date; failed_at: Date }>(
            'SELECT not_before, failed_at FROM event_failures WHERE webhook_id = $1',
            [slow.webhookId],
          )
        ).rows[0],
      { timeoutMs: 30_000, what: 'the first failure to be requeued' },
    );
    const paused = await pollUntil(
      async () => {
        const c = (await api.get('/stats')).json.consumer as { paused: { topic: string; reason: string }[] };
        return c.paused.find((p) => p.topic === TOPICS.retry && p.reason === 'not_due');
      },
      { timeoutMs: 30_000, what: 'the retry partition to be paused until due' },
    );
    expect(paused).toBeTruthy();

    // Other events, the same customer's included, are stored while the retry waits.
    const others = [customer, unique('cust-other'), unique('cust-other')].map((c) =>
      handlerRecord({ customerId: c }),
    );
    await producer.send(others);
    await pollUntil(
      async () =>
        (await db.count('SELECT count(*) AS n FROM events WHERE webhook_id = ANY($1)', [
          others.map((o) => o.webhookId),
        ])) === others.length,
      // Well before the retry is due: a consumer that waited inside the batch could not make it.
      { timeoutMs: DELAY_MS - 5000, what: 'the other events to be persisted while the retry waits' },
    );
    expect(await db.count('SELECT count(*) AS n FROM events WHERE webhook_id = $1', [slow.webhookId])).toBe(
      0,
    );

    const row = await pollUntil(
      async () =>
        (
          await db.pool.query<{ retry_count: number; persisted_at: Date }>(
            'SELECT retry_count, persisted_at FROM events WHERE webhook_id = $1',
            [slow.webhookId],
          )
        ).rows[0],
      { timeoutMs: DELAY_MS + 30_000, what: 'the retried event to be persisted' },
    );
    expect(row.retry_count).toBe(1);
    expect(failure.not_before.getTime() - failure.failed_at.getTime()).toBe(DELAY_MS);
    expect(row.persisted_at.getTime()).toBeGreaterThanOrEqual(failure.not_before.getTime());
    const memberAfter = (await api.get('/stats')).json.consumer as { member_id: string; joined: boolean };
    expect(memberAfter).toMatchObject({ member_id: memberBefore.member_id, joined: true });

    await env.stopPart('consumer');
    await env.startPart('consumer');
    await waitConsumerReady(env.consumerUrl);
    consumerOverridden = false;
  });
});
