import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTestEnv, type TestEnv } from '../env.js';
import { database } from '../support/http.js';
import { pollUntil } from '../support/poll.js';
import { expectReconciled, newWebhook, startEmitter, waitForDrained, waitForSent } from './scenario.js';

const OUTAGE_MS = 10_000;

let env: TestEnv;
beforeAll(async () => {
  env = await getTestEnv();
});
afterAll(async () => {
  await env.startPart('postgres');
});

describe('PostgreSQL stopped for ~10 s under load', () => {
  it('dead-letters nothing and loses nothing', async () => {
    const w = await newWebhook(env, 'pg-outage');
    const count = 900;
    await startEmitter(env, w, { rate: 60, count });
    await waitForSent(env, w, 300);
    await env.stopPart('postgres');
    const stoppedAt = Date.now();
    // The outage lasts OUTAGE_MS, whatever the services do meanwhile: the consumer must pause
    // (its readiness says so), not spend retries or dead-letter anything.
    await pollUntil(
      async () => {
        const res = await fetch(`${env.consumerUrl}/readyz`).catch(() => undefined);
        await res?.body?.cancel();
        return res?.status === 503;
      },
      { timeoutMs: OUTAGE_MS, what: 'the consumer to report the database outage' },
    );
    await pollUntil(() => Date.now() - stoppedAt >= OUTAGE_MS, {
      timeoutMs: 2 * OUTAGE_MS,
      what: 'the outage to last',
    });
    await env.startPart('postgres');
    const done = await waitForDrained(env, w, 180_000);
    expect(done.counters).toMatchObject({ sent: count, delivered: count, failed: 0 });
    const report = await expectReconciled(env, [w.customerId], { minDelivered: count, timeoutMs: 120_000 });
    expect(report.deadLettered).toBe(0);
    const db = database(env.databaseUrl);
    try {
      const failures = await db.count(
        `SELECT count(*) FROM event_failures f JOIN events e USING (webhook_id) WHERE e.customer_id = $1`,
        [w.customerId],
      );
      expect(failures, 'an outage must not spend any retry').toBe(0);
    } finally {
      await db.end();
    }
  });
});
