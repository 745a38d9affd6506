import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTestEnv, type TestEnv } from '../env.js';
import { expectReconciled, newWebhook, startEmitter, waitForDrained, waitForSent } from './scenario.js';

let env: TestEnv;
beforeAll(async () => {
  env = await getTestEnv();
});
afterAll(async () => {
  await env.startPart('handler-2');
});

describe('a handler replica SIGKILLed under load', () => {
  it('loses nothing and duplicates nothing', async () => {
    const w = await newWebhook(env, 'replica-kill');
    const count = 900;
    await startEmitter(env, w, { rate: 60, count });
    await waitForSent(env, w, 200);
    await env.stopPart('handler-2', { signal: 'SIGKILL' });
    await waitForSent(env, w, 500);
    await env.startPart('handler-2');
    const done = await waitForDrained(env, w);
    expect(done.counters).toMatchObject({ sent: count, delivered: count, failed: 0 });
    await expectReconciled(env, [w.customerId], { minDelivered: count });
  });
});
