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

const TOTAL = 20_000;
const PRODUCE_BATCH = 500;
const FAILING_EVERY = 100; // every 100th event fails once, so the retry path crashes too

let env: TestEnv;
let db: ReturnType<typeof receiverDb>;
let producer: Awaited<ReturnType<typeof eventProducer>>;
let killed = false;

beforeAll(async () => {
  env = await getTestEnv();
  await waitConsumerReady(env.consumerUrl);
  db = receiverDb(env.databaseUrl);
  producer = await eventProducer(env.kafkaBrokers);
});

afterAll(async () => {
  if (killed) await env.startPart('consumer');
  await waitConsumerReady(env.consumerUrl);
  await producer?.stop();
  await db?.end();
});

describe('consumer crash and shutdown', () => {
  it('SIGKILLed mid-batch and restarted, it persists every event exactly once', async () => {
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
        return n >= 2000 ? n : null;
      },
      { timeoutMs: 60_000, what: 'the consumer to be mid-stream', intervalMs: 20 },
    );
    await env.stopPart('consumer', { signal: 'SIGKILL' });
    killed = true;
    const atKill = await persisted();
    await producing;
    expect(atKill).toBeLessThan(TOTAL); // killed mid-stream, not after the end

    await env.startPart('consumer');
    killed = false;
    await waitConsumerReady(env.consumerUrl);
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
  });

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

    await env.startPart('consumer');
    killed = false;
    await waitConsumerReady(env.consumerUrl);
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
