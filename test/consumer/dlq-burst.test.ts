import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTestEnv, type TestEnv } from '../env.js';
import { eventProducer, handlerRecord, pollUntil, receiverDb, unique, waitConsumerReady } from './support.js';

let env: TestEnv;
let db: ReturnType<typeof receiverDb>;
let producer: Awaited<ReturnType<typeof eventProducer>>;

beforeAll(async () => {
  env = await getTestEnv();
  await waitConsumerReady(env.consumerUrl);
  db = receiverDb(env.databaseUrl);
  producer = await eventProducer(env.kafkaBrokers);
});

afterAll(async () => {
  await env.startPart('consumer');
  await producer?.stop();
  await db?.end();
});

describe('a backlog of poison records', () => {
  // One customer = one partition. Queued while the consumer is down, the records come back in
  // fetches of up to 1 MiB; each dead letter carries the record plus its dlt-* headers, so one
  // fetch's dead letters to the single DLQ partition outgrow the broker's 1 MiB record-batch
  // limit unless the publisher splits them (before it did, the partition was held forever).
  it('dead-letters them all, even when one batch of dead letters is larger than Kafka takes at once', async () => {
    const customerId = unique('cust-dlq-burst');
    const events = Array.from({ length: 6000 }, (_, i) =>
      handlerRecord({ customerId, body: `{"not json ${i}` }),
    );
    await env.stopPart('consumer');
    for (let i = 0; i < events.length; i += 1000) await producer.send(events.slice(i, i + 1000));
    await env.startPart('consumer');
    const dead = await pollUntil(
      async () => {
        const n = await db.count('SELECT count(*) AS n FROM dead_letters WHERE customer_id = $1', [
          customerId,
        ]);
        return n === events.length ? n : undefined;
      },
      { timeoutMs: 90_000, what: `all ${events.length} poison records to be dead-lettered` },
    );
    expect(dead).toBe(events.length);
    const classes = await db.pool.query<{ error_class: string; n: string }>(
      'SELECT error_class, count(*) AS n FROM dead_letters WHERE customer_id = $1 GROUP BY error_class',
      [customerId],
    );
    expect(classes.rows).toEqual([{ error_class: 'InvalidJson', n: String(events.length) }]);
  });
});
