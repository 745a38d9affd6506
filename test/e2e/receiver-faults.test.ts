import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTestEnv, type TestEnv } from '../env.js';
import { receiverApi, senderApi } from '../support/http.js';
import { postWebhook, signedRequest } from '../handler/support.js';
import { pollUntil } from '../support/poll.js';
import { expectReconciled, newWebhook, startEmitter, waitForDrained } from './scenario.js';

// A receiver told to misbehave, and hookpipe's own sender meeting it: 503 + Retry-After: 2 on the
// first two attempts of every message id. Every event must still arrive exactly once, and the
// receiver's record shows the sender waited as told.
let env: TestEnv;
beforeAll(async () => {
  env = await getTestEnv();
});

interface Attempt {
  attempt: number | null;
  action: string;
  status: number | null;
  gap_ms: number | null;
  kept_retry_after: boolean | null;
}

describe('receiver fault profiles, end to end', () => {
  const customers: string[] = [];
  afterAll(async () => {
    for (const c of customers) await receiverApi(env).delete(`/faults/${encodeURIComponent(c)}`);
  });

  it('a sender meeting 503 + Retry-After: 2 on the first two attempts delivers every event once, spaced as told', async () => {
    const w = await newWebhook(env, 'faults');
    customers.push(w.customerId);
    const put = await receiverApi(env).put(`/faults/${encodeURIComponent(w.customerId)}`, {
      status: { share: 1, code: 503, retry_after_s: 2 },
      first_attempts: 2,
    });
    expect(put.status, JSON.stringify(put.json)).toBe(200);
    // In force on every replica (each reloads on NOTIFY): a probe straight to each one is answered
    // 503; the probes' attempts are then forgotten. A probe that reached a replica before its
    // reload was accepted and stored, an event the sender never sent: the reconcile allows those.
    const probesAccepted: string[] = [];
    for (const url of env.handlerUrls) {
      await pollUntil(
        async () => {
          const probe = signedRequest(w.secret);
          const res = await postWebhook(url, probe);
          if (res.status === 202) probesAccepted.push(probe.id);
          return res.status === 503;
        },
        { timeoutMs: 5000, what: `${url} to apply the profile` },
      );
    }
    await receiverApi(env).delete(`/attempts?customer_id=${encodeURIComponent(w.customerId)}`);

    const count = 30;
    await startEmitter(env, w, { rate: 10, count });
    const done = await waitForDrained(env, w, 120_000);
    expect(done.counters).toMatchObject({ sent: count, delivered: count, failed: 0 });
    await expectReconciled(env, [w.customerId], { minDelivered: count, probesAccepted });

    const report = await receiverApi(env).get(
      `/attempts?customer_id=${encodeURIComponent(w.customerId)}&limit=500`,
    );
    const messages = report.json.data as { message_id: string; attempts: Attempt[] }[];
    expect(messages).toHaveLength(count);
    for (const m of messages) {
      expect(m.attempts.map((a) => [a.attempt, a.action, a.status])).toEqual([
        [1, 'status', 503],
        [2, 'status', 503],
        [3, 'pass', null],
      ]);
      for (const a of m.attempts.slice(1)) {
        expect(a.kept_retry_after).toBe(true);
        expect(a.gap_ms).toBeGreaterThanOrEqual(2000);
      }
    }
    // The sender's own record agrees: three attempts per delivery, the last one 2xx.
    const deliveries = await senderApi(env).get(`/webhooks/${w.webhookId}/deliveries?limit=100`);
    const list = deliveries.json.data as { attempts: number; status: string }[];
    expect(list).toHaveLength(count);
    for (const d of list) expect(d).toMatchObject({ attempts: 3, status: 'delivered' });
  });
});
