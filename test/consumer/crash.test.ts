import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTestEnv, type TestEnv } from '../env.js';
import {
  eventProducer,
  handlerRecord,
  pollUntil,
  receiverApi,
  receiverDb,
  unique,
  waitConsumerReady,
  type TestEvent,
} from './support.js';

const TOTAL = 12_000;
const PRODUCE_BATCH = 500;
const FAILING_EVERY = 100; // every 100th event fails once, so the retry path crashes too

let env: TestEnv;
let db: ReturnType<typeof receiverDb>;
let producer: Awaited<ReturnType<typeof eventProducer>>;
let killed = false;

// A killed member stays in the group until its session times out, and the restarted one waits
// for that before it gets partitions: a shorter session keeps the suite quick.
const SHORT_SESSION = { CONSUMER_SESSION_TIMEOUT_MS: '10000', CONSUMER_HEARTBEAT_INTERVAL_MS: '1000' };
const startConsumer = async (settings: Record<string, string> = SHORT_SESSION) => {
  await env.startPart('consumer', { env: settings });
  await waitConsumerReady(env.consumerUrl);
};

beforeAll(async () => {
  env = await getTestEnv();
  db = receiverDb(env.databaseUrl);
  producer = await eventProducer(env.kafkaBrokers);
  await env.stopPart('consumer');
  await startConsumer();
});

afterAll(async () => {
  // Back to the stack's default settings.
  if (!killed) await env.stopPart('consumer');
  await startConsumer({});
  await producer?.stop();
  await db?.end();
});

describe('consumer crash and shutdown', () => {
  // Slow by nature (a killed member's session must time out), and slower on a loaded machine.
  it(
    'SIGKILLed mid-batch and restarted, it persists every event exactly once',
    { timeout: 300_000 },
    async () => {
      const customers = Array.from({ length: 24 }, () => unique('cust-crash'));
      const events: TestEvent[] = Array.from({ length: TOTAL }, (_, i) =>
        handlerRecord({
          customerId: customers[i % customers.length]!,
          data: i % FAILING_EVERY === 0 ? { simulate: { fail: 1 }, i } : { i },
        }),
      );
      const persisted = () =>
        db.count('SELECT count(*) AS n FROM events WHERE customer_id = ANY($1)', [customers]);

      // Events keep flowing while the consumer is killed, so it dies with batches in hand.
      const producing = (async () => {
        for (let i = 0; i < events.length; i += PRODUCE_BATCH)
          await producer.send(events.slice(i, i + PRODUCE_BATCH));
      })();
      const seenBeforeKill = await pollUntil(
        async () => {
          const n = await persisted();
          return n >= 1500 ? n : null;
        },
        { timeoutMs: 60_000, what: 'the consumer to be mid-stream', intervalMs: 20 },
      );
      await env.stopPart('consumer', { signal: 'SIGKILL' });
      killed = true;
      const atKill = await persisted();
      await producing;
      expect(atKill).toBeLessThan(TOTAL); // killed mid-stream, not after the end

      await startConsumer();
      killed = false;
      await pollUntil(async () => (await persisted()) >= TOTAL, {
        timeoutMs: 120_000,
        what: `all ${TOTAL} events to be persisted`,
        intervalMs: 250,
      });

      const rows = await db.pool.query<{ webhook_id: string; retry_count: number }>(
        'SELECT webhook_id, retry_count FROM events WHERE customer_id = ANY($1)',
        [customers],
      );
      const byId = new Map(rows.rows.map((r) => [r.webhook_id, r.retry_count]));
      expect(rows.rows).toHaveLength(TOTAL); // none doubled
      const missing = events.filter((e) => !byId.has(e.webhookId));
      expect(missing.map((e) => e.webhookId)).toEqual([]); // none missing
      events.forEach((e, i) =>
        expect(byId.get(e.webhookId), e.webhookId).toBe(i % FAILING_EVERY === 0 ? 1 : 0),
      );
      expect(
        await db.count('SELECT count(*) AS n FROM dead_letters WHERE customer_id = ANY($1)', [customers]),
      ).toBe(0);

      const stats = await receiverApi(env.consumerUrl, env.receiverApiKey).get('/stats');
      console.log(
        `crash: ${seenBeforeKill} persisted when the kill was decided, ${atKill} at the kill; after restart this process stored`,
        JSON.stringify(stats.json.process),
      );
    },
  );

  it('stopped with SIGTERM mid-stream, it commits the batch in hand: the restarted one redelivers nothing it stored', async () => {
    const customers = Array.from({ length: 12 }, () => unique('cust-sigterm'));
    const total = 10_000;
    const events = Array.from({ length: total }, (_, i) =>
      handlerRecord({ customerId: customers[i % customers.length]!, data: { i } }),
    );
    const persisted = () =>
      db.count('SELECT count(*) AS n FROM events WHERE customer_id = ANY($1)', [customers]);
    const producing = (async () => {
      for (let i = 0; i < events.length; i += PRODUCE_BATCH)
        await producer.send(events.slice(i, i + PRODUCE_BATCH));
    })();
    await pollUntil(async () => (await persisted()) >= 1000, {
      timeoutMs: 60_000,
      what: 'the consumer to be mid-stream',
      intervalMs: 20,
    });
    await env.stopPart('consumer'); // SIGTERM: graceful
    killed = true;
    const atStop = await persisted();
    await producing;
    expect(atStop).toBeLessThan(total);

    await startConsumer();
    killed = false;
    await pollUntil(async () => (await persisted()) >= total, {
      timeoutMs: 120_000,
      what: `all ${total} events`,
      intervalMs: 250,
    });
    expect(await persisted()).toBe(total);
    const stats = await receiverApi(env.consumerUrl, env.receiverApiKey).get('/stats');
    const proc = stats.json.process as { persisted: number; duplicates: number };
    // Everything stored before the stop was committed: the new process stored the rest, and only the rest.
    expect(proc.duplicates).toBe(0);
    expect(proc.persisted).toBe(total - atStop);
  });
});
