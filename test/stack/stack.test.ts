import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { TOPICS } from '@hookpipe/lib';
import { getTestEnv, type TestEnv } from '../env.js';

let env: TestEnv;
beforeAll(async () => {
  env = await getTestEnv();
});

describe('the real local stack', () => {
  it('produces to and consumes from the real Kafka', async () => {
    const kafka = new Kafka({
      clientId: 'stack-test',
      brokers: env.kafkaBrokers,
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    const topic = `stack-test-${randomUUID()}`;
    await admin.createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    const contractTopics = await admin.listTopics();
    expect(contractTopics).toEqual(expect.arrayContaining([TOPICS.events, TOPICS.retry, TOPICS.dlq]));
    const meta = await admin.fetchTopicMetadata({ topics: [TOPICS.events, TOPICS.retry, TOPICS.dlq] });
    expect(meta.topics.map((t) => [t.name, t.partitions.length]).sort()).toEqual(
      [
        [TOPICS.dlq, 1],
        [TOPICS.events, 6],
        [TOPICS.retry, 3],
      ].sort(),
    );

    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const values = Array.from({ length: 10 }, (_, i) => `message-${i}`);
    await producer.send({ topic, acks: -1, messages: values.map((value) => ({ key: 'k', value })) });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: `stack-test-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen: string[] = [];
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: ({ message }) => {
            seen.push(message.value?.toString() ?? '');
            if (seen.length === values.length) resolve();
            return Promise.resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
    expect(seen).toEqual(values);
  });

  it('writes and reads the real PostgreSQL, with both schemas migrated', async () => {
    const client = new pg.Client({ connectionString: env.databaseUrl });
    await client.connect();
    try {
      const version = await client.query<{ server_version_num: string }>('SHOW server_version_num');
      expect(Number(version.rows[0]!.server_version_num)).toBeGreaterThanOrEqual(150000);
      await client.query('CREATE TEMP TABLE stack_probe (id text PRIMARY KEY, n int)');
      await client.query('INSERT INTO stack_probe VALUES ($1, $2), ($3, $4)', ['a', 1, 'b', 2]);
      const rows = await client.query<{ id: string; n: number }>('SELECT id, n FROM stack_probe ORDER BY id');
      expect(rows.rows).toEqual([
        { id: 'a', n: 1 },
        { id: 'b', n: 2 },
      ]);
      const migrations = await client.query<{ version: string }>('SELECT version FROM schema_migrations');
      expect(migrations.rows.map((r) => r.version)).toContain('001_receiver');
      const demo = await client.query(
        'SELECT 1 FROM receiver_secrets WHERE customer_id = $1 AND secret = $2',
        ['demo', env.receiverSecret],
      );
      expect(demo.rowCount).toBe(1);
    } finally {
      await client.end();
    }
  });

  it('reaches the handler replicas through the real nginx', async () => {
    const res = await fetch(`${env.ingressUrl}/ping`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ service: 'handler' });
    for (const url of env.handlerUrls) {
      const direct = await fetch(`${url}/healthz`);
      expect(direct.status).toBe(200);
    }
  });
});
