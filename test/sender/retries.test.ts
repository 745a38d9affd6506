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

let env: TestEnv;
let api: SenderApi;
const cleanups: (() => Promise<unknown>)[] = [];
let restarted = false;

beforeAll(async () => {
  env = await getTestEnv();
  api = senderApi(env);
});

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  if (restarted) await restartSender(env);
});

interface Delivery {
  status: string;
  message_id: string;
  attempts: number;
  attempt_log: {
    attempt: number;
    status_code: number | null;
    outcome: string;
    response_excerpt: string | null;
  }[];
}

async function finalDelivery(messageId: string, timeoutMs = 30_000): Promise<Delivery> {
  return pollUntil(
    async () => {
      const res = await api.get(`/events/${messageId}/attempts`);
      const d = (res.json.deliveries as Delivery[] | undefined)?.[0];
      return d && !['pending', 'held'].includes(d.status) ? d : null;
    },
    { timeoutMs, what: `${messageId} to reach a final state` },
  );
}

async function setUp(answer: Parameters<typeof startReceiver>[0]) {
  const rx = await startReceiver(answer);
  cleanups.push(() => rx.close());
  const wh = await register(api, { customer_id: unique('retries'), webhook_url: rx.url });
  cleanups.push(() => api.delete(`/webhooks/${wh.webhook_id}`));
  const trigger = async () => {
    const res = await api.post(`/webhooks/${wh.webhook_id}/trigger`, { type: 'order.created' });
    expect(res.status).toBe(202);
    return (res.json.deliveries as { message_id: string }[])[0]!.message_id;
  };
  return { rx, wh, trigger };
}

describe('delivery retries through the running sender', () => {
  it('500, 500, 200: three attempts with the same webhook-id and bytes, then delivered', async () => {
    const { rx, trigger } = await setUp((nth) => ({ status: nth < 3 ? 500 : 200 }));
    const msg = await trigger();
    const d = await finalDelivery(msg);
    expect(d.status).toBe('delivered');
    expect(d.attempt_log.map((a) => [a.attempt, a.status_code, a.outcome])).toEqual([
      [1, 500, 'retry'],
      [2, 500, 'retry'],
      [3, 200, 'delivered'],
    ]);
    expect(d.attempt_log[0]!.response_excerpt).toBe('answer 500');
    const got = rx.forId(msg);
    expect(got).toHaveLength(3);
    for (const g of got) expect(g.body.equals(got[0]!.body)).toBe(true);
  });

  it('a 4xx that is not retried (410) fails after one attempt', async () => {
    const { rx, trigger } = await setUp(() => ({ status: 410 }));
    const msg = await trigger();
    const d = await finalDelivery(msg);
    expect(d.status).toBe('failed');
    expect(d.attempt_log.map((a) => a.outcome)).toEqual(['failed']);
    expect(rx.forId(msg)).toHaveLength(1);
  });
});

describe('bounded concurrency', () => {
  it('an emitter never has more attempts in flight to its webhook than its concurrency', async () => {
    const { rx, wh } = await setUp(() => ({ status: 200, delayMs: 100 }));
    const q = `customer_id=${encodeURIComponent(wh.customer_id)}&webhook_id=${wh.webhook_id}`;
    expect((await api.post(`/emitter/start?${q}&rate=100&count=40&concurrency=3`)).status).toBe(201);
    await pollUntil(
      async () => {
        const res = await api.get(`/emitters?status=all&webhook_id=${wh.webhook_id}`);
        const e = (res.json.data as { status: string; counters: { pending: number } }[])[0];
        return e?.status === 'completed' && e.counters.pending === 0;
      },
      { timeoutMs: 60_000, what: 'the emitter to complete and settle' },
    );
    expect(new Set(rx.seen.map((s) => s.id)).size).toBe(40);
    // 100 events/s against 100 ms answers would need about 10 at once; the bound holds it to 3.
    expect(rx.maxOpen()).toBeLessThanOrEqual(3);
    expect(rx.maxOpen()).toBeGreaterThanOrEqual(2);
  });
});

describe('a webhook whose deliveries keep failing', () => {
  it('is disabled after the window with its deliveries held, and resumes them when re-enabled', async () => {
    // A 2 s window and fast retries instead of 1 h and 1 s, restored after the suite.
    restarted = true;
    await restartSender(env, {
      env: {
        SENDER_DISABLE_AFTER_S: '2',
        SENDER_BACKOFF_BASE_MS: '200',
        SENDER_BACKOFF_CAP_MS: '1000',
        SENDER_MAX_ATTEMPTS: '100',
      },
    });
    let failing = true;
    const { rx, wh, trigger } = await setUp(() => ({ status: failing ? 503 : 200 }));
    const ids = [await trigger(), await trigger(), await trigger()];

    const disabled = await pollUntil(
      async () => {
        const res = await api.get(`/webhooks/${wh.webhook_id}`);
        return res.json.webhook_status === 'DISABLED' ? res.json : null;
      },
      { timeoutMs: 30_000, what: 'the webhook to be disabled' },
    );
    expect(disabled.disabled_reason).toMatch(/^deliveries kept failing since /);
    expect(disabled.failing_since).toEqual(expect.any(String));
    const held = await pollUntil(
      async () => {
        const res = await api.get(`/webhooks/${wh.webhook_id}/deliveries`);
        const list = res.json.data as { status: string }[];
        return list.every((d) => d.status === 'held') ? list : null;
      },
      { timeoutMs: 30_000, what: 'every delivery to be held' },
    );
    expect(held).toHaveLength(3);
    // New work for a disabled webhook is refused rather than silently parked.
    expect((await api.post(`/webhooks/${wh.webhook_id}/trigger`, { type: 'order.paid' })).status).toBe(409);

    failing = false;
    const enabled = await api.patch(`/webhooks/${wh.webhook_id}`, { active: true });
    expect(enabled.status).toBe(200);
    expect(enabled.json).toMatchObject({ webhook_status: 'ACTIVE', failing_since: null, disabled_at: null });
    for (const id of ids) {
      const d = await finalDelivery(id);
      expect(d.status).toBe('delivered');
      expect(rx.forId(id).filter((r) => r.status === 200)).toHaveLength(1);
    }
  });
});

describe('an emitter whose receiver keeps failing', () => {
  it('stops at SENDER_EMITTER_MAX_BACKLOG open deliveries, and emits the rest of its count once they clear', async () => {
    // A backlog of 12 instead of 10,000, and fast retries that never run out, restored after the suite.
    restarted = true;
    await restartSender(env, {
      env: {
        SENDER_EMITTER_MAX_BACKLOG: '12',
        SENDER_BACKOFF_BASE_MS: '200',
        SENDER_BACKOFF_CAP_MS: '500',
        SENDER_MAX_ATTEMPTS: '100',
      },
    });
    let failing = true;
    const { rx, wh } = await setUp(() => ({ status: failing ? 503 : 200 }));
    const q = `customer_id=${encodeURIComponent(wh.customer_id)}&webhook_id=${wh.webhook_id}`;
    expect((await api.post(`/emitter/start?${q}`, { rate: 50, count: 40 })).status).toBe(201);

    // At 50/s the 40 events would all be out within a second; every one stays open while the
    // receiver answers 503, so the emitter stops at 12 and stays there.
    const distinct = () => new Set(rx.seen.map((s) => s.id)).size;
    await pollUntil(() => Promise.resolve(distinct() >= 12), {
      timeoutMs: 30_000,
      what: '12 events at the receiver',
    });
    await new Promise((r) => setTimeout(r, 2000));
    expect(distinct()).toBe(12);
    const paused = await emitterOf(api, wh.webhook_id);
    expect(paused.status).toBe('running');
    expect(paused.counters.sent).toBe(12);

    failing = false;
    const done = await pollUntil(
      async () => {
        const e = await emitterOf(api, wh.webhook_id);
        return e.status === 'completed' && e.counters.pending === 0 ? e : null;
      },
      { timeoutMs: 60_000, what: 'the emitter to complete and settle' },
    );
    expect(done.counters).toMatchObject({ sent: 40, delivered: 40, failed: 0 });
    const ok = rx.seen.filter((s) => s.status === 200).map((s) => s.id);
    expect(ok).toHaveLength(40);
    expect(new Set(ok).size).toBe(40);
  });
});
