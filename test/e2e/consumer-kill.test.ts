import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTestEnv, type TestEnv } from '../env.js';
import { waitReady } from '../support/http.js';
import { expectReconciled, newWebhook, startEmitter, waitForDrained, waitForSent } from './scenario.js';

// A killed member keeps its partitions until its session times out; a short session keeps the
// suite short (the default, 30 s, behaves the same, only slower).
const SHORT_SESSION = { CONSUMER_SESSION_TIMEOUT_MS: '10000' };

let env: TestEnv;
beforeAll(async () => {
  env = await getTestEnv();
  await env.stopPart('consumer');
  await env.startPart('consumer', { env: SHORT_SESSION });
  await waitReady([env.consumerUrl]);
});
afterAll(async () => {
  await env.stopPart('consumer');
  await env.startPart('consumer');
});

describe('the consumer SIGKILLed mid-batch and restarted', () => {
  it('persists every event exactly once', async () => {
    const w = await newWebhook(env, 'consumer-kill');
    const count = 1200;
    await startEmitter(env, w, { rate: 80, count });
    await waitForSent(env, w, 400);
    await env.stopPart('consumer', { signal: 'SIGKILL' });
    await waitForSent(env, w, 700);
    await env.startPart('consumer', { env: SHORT_SESSION });
    const done = await waitForDrained(env, w);
    expect(done.counters).toMatchObject({ sent: count, delivered: count, failed: 0 });
    await expectReconciled(env, [w.customerId], { minDelivered: count, timeoutMs: 120_000 });
  });
});
