import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTestEnv, type TestEnv } from '../env.js';
import { pollUntil } from '../support/poll.js';
import {
  emitterOf,
  expectReconciled,
  newWebhook,
  startEmitter,
  waitForDrained,
  waitForSent,
} from './scenario.js';

let env: TestEnv;
beforeAll(async () => {
  env = await getTestEnv();
});
afterAll(async () => {
  await env.startPart('kafka');
});

describe('the Kafka broker stopped and restarted under load', () => {
  it("the sender's retries bridge the outage: nothing lost, nothing duplicated", async () => {
    const w = await newWebhook(env, 'kafka-restart');
    const count = 900;
    await startEmitter(env, w, { rate: 60, count });
    await waitForSent(env, w, 200);
    await env.stopPart('kafka');
    // The handlers answer 503 + Retry-After while the broker is away; the sender keeps retrying.
    await pollUntil(async () => (await emitterOf(env, w)).counters.retrying > 20, {
      timeoutMs: 60_000,
      what: 'deliveries to be retrying while Kafka is down',
    });
    await env.startPart('kafka');
    const done = await waitForDrained(env, w, 180_000);
    expect(done.counters).toMatchObject({ sent: count, delivered: count, failed: 0 });
    await expectReconciled(env, [w.customerId], { minDelivered: count, timeoutMs: 120_000 });
  });
});
