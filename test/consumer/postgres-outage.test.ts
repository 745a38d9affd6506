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

const OUTAGE_MS = 10_000;
const TICK_MS = 100;
const PER_TICK = 20; // ~200 events/s of steady flow

let env: TestEnv;
let db: ReturnType<typeof receiverDb>;
let api: ReturnType<typeof receiverApi>;
let producer: Awaited<ReturnType<typeof eventProducer>>;
let postgresStopped = false;

beforeAll(async () => {
  env = await getTestEnv();
  await waitConsumerReady(env.consumerUrl);
  db = receiverDb(env.databaseUrl);
  api = receiverApi(env.consumerUrl, env.receiverApiKey);
  producer = await eventProducer(env.kafkaBrokers);
});

afterAll(async () => {
  if (postgresStopped) await env.startPart('postgres');
  await waitConsumerReady(env.consumerUrl);
  await producer?.stop();
  await db?.end();
});

describe('PostgreSQL outage', () => {
  it('pauses and retries in place while PostgreSQL is down: nothing dead-lettered, nothing lost', async () => {
    const customers = Array.from({ length: 12 }, () => unique('cust-pgdown'));
    const sent: TestEvent[] = [];
    let n = 0;
    // Paced load, as a sender would produce it; every 50th event fails once (a retry across the outage).
    const flow = async (ms: number) => {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        const batch = Array.from({ length: PER_TICK }, () => {
          n += 1;
          return handlerRecord({
            customerId: customers[n % customers.length]!,
            data: n % 50 === 0 ? { simulate: { fail: 1 }, n } : { n },
          });
        });
        await producer.send(batch);
        sent.push(...batch);
        await new Promise((r) => setTimeout(r, TICK_MS));
      }
    };

    await flow(2000);
    await env.stopPart('postgres');
    postgresStopped = true;
    const outageStart = Date.now();
    let sawDbHold = false;
    let sawNotReady = false;
    const watch = (async () => {
      while (Date.now() - outageStart < OUTAGE_MS) {
        const stats = await api.get('/stats');
        const paused = (stats.json.consumer as { paused: { reason: string }[] }).paused;
        sawDbHold ||= paused.some((p) => p.reason === 'db_unavailable');
        const ready = await fetch(`${env.consumerUrl}/readyz`);
        sawNotReady ||= ready.status === 503;
        await ready.body?.cancel();
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    await flow(OUTAGE_MS);
    await watch;
    await env.startPart('postgres');
    postgresStopped = false;
    await flow(2000);

    expect(sawDbHold).toBe(true);
    expect(sawNotReady).toBe(true);
    const persisted = () =>
      db.count('SELECT count(*) AS n FROM events WHERE customer_id = ANY($1)', [customers]);
    await pollUntil(async () => (await persisted()) >= sent.length, {
      timeoutMs: 120_000,
      what: `all ${sent.length} events to be persisted after the outage`,
      intervalMs: 250,
    });
    const rows = await db.pool.query<{ webhook_id: string; retry_count: number }>(
      'SELECT webhook_id, retry_count FROM events WHERE customer_id = ANY($1)',
      [customers],
    );
    expect(rows.rows).toHaveLength(sent.length);
    const stored = new Map(rows.rows.map((r) => [r.webhook_id, r.retry_count]));
    expect(sent.filter((e) => !stored.has(e.webhookId)).map((e) => e.webhookId)).toEqual([]);
    const failing = sent.filter((e) => e.value.includes('"simulate"'));
    expect(failing.length).toBeGreaterThan(0);
    for (const e of failing) expect(stored.get(e.webhookId), e.webhookId).toBe(1);
    expect(
      await db.count('SELECT count(*) AS n FROM dead_letters WHERE customer_id = ANY($1)', [customers]),
    ).toBe(0);
    // Only the injected failures spent a retry: the outage itself spent none.
    expect(
      await db.count(
        `SELECT count(*) AS n FROM event_failures f JOIN events e USING (webhook_id) WHERE e.customer_id = ANY($1)`,
        [customers],
      ),
    ).toBe(failing.length);
  });
});
