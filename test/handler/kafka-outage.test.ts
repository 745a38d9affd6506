import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTestEnv, type TestEnv } from '../env.js';
import {
  mapLimit,
  pollUntil,
  postWebhook,
  processStart,
  secretsTable,
  signedRequest,
  startCollector,
  unique,
  waitReady,
  waitUntilKnown,
} from './support.js';

let env: TestEnv;
let secrets: ReturnType<typeof secretsTable>;
let secret: string;
let kafkaStopped = false;

beforeAll(async () => {
  env = await getTestEnv();
  await waitReady(env.handlerUrls);
  secrets = secretsTable(env.databaseUrl);
  secret = (await secrets.add(unique('cust-outage'))).secret;
  await waitUntilKnown(env.handlerUrls, secret);
});

afterAll(async () => {
  // Leave the stack as found even when an assertion failed mid-way.
  if (kafkaStopped) await env.startPart('kafka');
  await waitReady(env.handlerUrls);
  await secrets?.end();
});

const UNAVAILABLE_CODES = ['kafka_unavailable', 'kafka_timeout', 'overloaded', 'upstream_unavailable'];

describe('Kafka outage', () => {
  it('answers 503 + Retry-After and never 2xx while Kafka is down; recovers without restarting handlers', async () => {
    const startedAt = await Promise.all(env.handlerUrls.map(processStart));
    const before = signedRequest(secret);
    expect((await postWebhook(env.ingressUrl, before)).status).toBe(202);

    await env.stopPart('kafka');
    kafkaStopped = true;
    const during = Array.from({ length: 30 }, () => signedRequest(secret));
    // postWebhook aborts after 15 s (the sender's timeout): a hanging handler fails here.
    const answers = await mapLimit(during, 3, (req) => postWebhook(env.ingressUrl, req));
    for (const a of answers) {
      expect(a.status).toBe(503);
      expect(Number(a.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(UNAVAILABLE_CODES).toContain(a.json.error);
    }

    await env.startPart('kafka');
    kafkaStopped = false;
    // The same handler processes reconnect by themselves; the sender would keep retrying like this.
    const firstAfter = await pollUntil(
      async () => {
        const req = signedRequest(secret);
        return (await postWebhook(env.ingressUrl, req)).status === 202 ? req : undefined;
      },
      { timeoutMs: 90_000, what: 'a 202 after Kafka came back', intervalMs: 250 },
    );
    await waitReady(env.handlerUrls);
    const after = Array.from({ length: 30 }, () => signedRequest(secret));
    const afterAnswers = await mapLimit(after, 6, (req) => postWebhook(env.ingressUrl, req));
    expect(afterAnswers.map((a) => a.status)).toEqual(Array(after.length).fill(202));
    expect(await Promise.all(env.handlerUrls.map(processStart))).toEqual(startedAt);

    const collector = await startCollector(env.kafkaBrokers);
    try {
      await collector.caughtUp();
      for (const req of [before, firstAfter, ...after]) {
        expect(collector.records(req.id), `record of accepted ${req.id}`).toHaveLength(1);
      }
    } finally {
      await collector.stop();
    }
  });
});
