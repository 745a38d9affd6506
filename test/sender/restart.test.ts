import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTestEnv, type TestEnv } from '../env.js';
import {
  emitterOf,
  pollUntil,
  register,
  restartSender,
  senderApi,
  startReceiver,
  unique,
  type SenderApi,
} from './support.js';

// The shortest lease the sender accepts (delivery timeout 15 s + 5 s), so an attempt cut off by
// a crash comes back in 20 s rather than the default 60 s.
const SENDER_ENV = { SENDER_LEASE_MS: '20000' };

let env: TestEnv;
let api: SenderApi;
const cleanups: (() => Promise<unknown>)[] = [];

const crashAndRestartSender = () => restartSender(env, { signal: 'SIGKILL', env: SENDER_ENV });

beforeAll(async () => {
  env = await getTestEnv();
  api = senderApi(env);
  await restartSender(env, { env: SENDER_ENV });
});

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  // Leave the sender as we found it: running with its default settings.
  await restartSender(env);
});

interface Delivery {
  status: string;
  attempts: number;
  attempt_log: { attempt: number; status_code: number | null; outcome: string }[];
}

async function deliveryOf(messageId: string): Promise<Delivery | undefined> {
  const res = await api.get(`/events/${messageId}/attempts`);
  return res.status === 200 ? (res.json.deliveries as Delivery[])[0] : undefined;
}

async function webhookTo(url: string) {
  const wh = await register(api, { customer_id: unique('restart'), webhook_url: url });
  cleanups.push(() => api.delete(`/webhooks/${wh.webhook_id}`));
  return wh;
}

async function trigger(webhookId: string): Promise<string> {
  const res = await api.post(`/webhooks/${webhookId}/trigger`, { type: 'order.created' });
  expect(res.status).toBe(202);
  return (res.json.deliveries as { message_id: string }[])[0]!.message_id;
}

describe('the outbox survives a sender crash (SIGKILL) and restart', () => {
  it('a pending retry is delivered after the restart, once, with the same webhook-id and bytes', async () => {
    const rx = await startReceiver((nth) =>
      nth === 1 ? { status: 503, headers: { 'retry-after': '2' } } : { status: 200 },
    );
    cleanups.push(() => rx.close());
    const wh = await webhookTo(rx.url);
    const msg = await trigger(wh.webhook_id);
    await pollUntil(async () => ((await deliveryOf(msg))?.attempt_log.length ?? 0) >= 1, {
      timeoutMs: 15_000,
      what: 'the first attempt (503) to be recorded',
    });

    await crashAndRestartSender();

    const done = await pollUntil(
      async () => {
        const d = await deliveryOf(msg);
        return d?.status === 'delivered' ? d : null;
      },
      { timeoutMs: 60_000, what: 'the delivery to complete after the restart' },
    );
    expect(done.attempt_log.map((a) => [a.status_code, a.outcome])).toEqual([
      [503, 'retry'],
      [200, 'delivered'],
    ]);
    const got = rx.forId(msg);
    expect(got.map((g) => g.status)).toEqual([503, 200]);
    expect(got[1]!.body.equals(got[0]!.body)).toBe(true);
  });

  it('an attempt cut off by the crash is sent again once its lease runs out, with the same webhook-id', async () => {
    const rx = await startReceiver((nth) => (nth === 1 ? 'hold' : { status: 200 }));
    cleanups.push(() => rx.close());
    const wh = await webhookTo(rx.url);
    const msg = await trigger(wh.webhook_id);
    await pollUntil(() => rx.forId(msg).length === 1, {
      timeoutMs: 15_000,
      what: 'the first attempt to arrive',
    });

    await crashAndRestartSender();

    const done = await pollUntil(
      async () => {
        const d = await deliveryOf(msg);
        return d?.status === 'delivered' ? d : null;
      },
      { timeoutMs: 60_000, what: 'the cut-off delivery to be sent again and complete' },
    );
    // The cut-off attempt left no record; it still counted as an attempt when claimed.
    expect(done.attempts).toBe(2);
    expect(done.attempt_log.map((a) => a.outcome)).toEqual(['delivered']);
    const got = rx.forId(msg);
    expect(got).toHaveLength(2);
    expect(got.filter((g) => g.status === 200)).toHaveLength(1);
    expect(got[1]!.body.equals(got[0]!.body)).toBe(true);
  });

  it('a running emitter resumes after the restart and emits exactly its count', async () => {
    const rx = await startReceiver(() => ({ status: 200 }));
    cleanups.push(() => rx.close());
    const wh = await webhookTo(rx.url);
    const q = `customer_id=${encodeURIComponent(wh.customer_id)}&webhook_id=${wh.webhook_id}`;
    const started = await api.post(`/emitter/start?${q}&rate=10&count=40`);
    expect(started.status).toBe(201);
    await pollUntil(async () => (await emitterOf(api, wh.webhook_id)).counters.sent >= 10, {
      timeoutMs: 15_000,
      what: 'the emitter to send 10 events',
    });

    await crashAndRestartSender();

    const e = await pollUntil(
      async () => {
        const x = await emitterOf(api, wh.webhook_id);
        return x.status === 'completed' && x.counters.pending === 0 ? x : null;
      },
      { timeoutMs: 90_000, what: 'the resumed emitter to complete and settle' },
    );
    expect(e.emitter_id).toBe(started.json.emitter_id);
    expect(e.counters).toMatchObject({ sent: 40, delivered: 40, failed: 0 });
    // Every webhook-id arrived; one whose 200 the crash swallowed may have come twice, never more.
    const ids = new Set(rx.seen.map((s) => s.id));
    expect(ids.size).toBe(40);
    for (const id of ids) expect(rx.forId(id).length).toBeLessThanOrEqual(2);
  });
});
