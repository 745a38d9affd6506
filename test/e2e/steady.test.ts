import { beforeAll, describe, expect, it } from 'vitest';
import { getTestEnv, type TestEnv } from '../env.js';
import {
  acceptedPerReplica,
  expectReconciled,
  newWebhook,
  startEmitter,
  waitForDrained,
} from './scenario.js';

let env: TestEnv;
beforeAll(async () => {
  env = await getTestEnv();
});

describe('steady rate across the replicas', () => {
  it('delivers every event exactly once, and every replica serves traffic', async () => {
    const before = await acceptedPerReplica(env);
    const hooks = await Promise.all([newWebhook(env, 'steady-a'), newWebhook(env, 'steady-b')]);
    const count = 400;
    await Promise.all(hooks.map((w) => startEmitter(env, w, { rate: 40, count })));
    const done = await Promise.all(hooks.map((w) => waitForDrained(env, w)));
    for (const e of done) {
      expect(e.status).toBe('completed');
      expect(e.counters).toMatchObject({ sent: count, delivered: count, failed: 0, pending: 0 });
    }
    const report = await expectReconciled(
      env,
      hooks.map((w) => w.customerId),
      { minDelivered: 2 * count },
    );
    expect(report).toMatchObject({ delivered: 2 * count, persisted: 2 * count, deadLettered: 0 });
    const after = await acceptedPerReplica(env);
    const served = after.map((n, i) => n - before[i]!);
    // least_conn spreads the load; each replica must have taken part of it.
    for (const n of served) expect(n).toBeGreaterThan(0);
    expect(served.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(2 * count);
  });
});
