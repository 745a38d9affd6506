import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTestEnv, type TestEnv } from '../env.js';
import {
  emitterOf,
  pollUntil,
  register,
  senderApi,
  startReceiver,
  unique,
  type SenderApi,
} from './support.js';

let env: TestEnv;
let api: SenderApi;
let postgresStopped = false;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  env = await getTestEnv();
  api = senderApi(env);
});

afterAll(async () => {
  if (postgresStopped) await env.startPart('postgres');
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

describe('the sender through a PostgreSQL outage', () => {
  it('refuses new events with 503 while down, loses nothing it had accepted, and carries on after', async () => {
    const rx = await startReceiver(() => ({ status: 200 }));
    cleanups.push(() => rx.close());
    const wh = await register(api, { customer_id: unique('pg-outage'), webhook_url: rx.url });
    cleanups.push(() => api.delete(`/webhooks/${wh.webhook_id}`));
    const q = `customer_id=${encodeURIComponent(wh.customer_id)}&webhook_id=${wh.webhook_id}`;
    expect((await api.post(`/emitter/start?${q}&rate=20`)).status).toBe(201);
    await pollUntil(async () => (await emitterOf(api, wh.webhook_id)).counters.delivered >= 20, {
      timeoutMs: 30_000,
      what: '20 deliveries before the outage',
    });

    postgresStopped = true;
    await env.stopPart('postgres');
    const refused = await api.post('/events', { type: 'order.created', data: { n: 1 } });
    expect(refused.status).toBe(503);
    expect(refused.json.error).toBe('database_unavailable');
    expect(refused.headers.get('retry-after')).toBe('2');

    await env.startPart('postgres');
    postgresStopped = false;
    // Once the database answers again the emitter keeps going and the worker catches up.
    const before = (
      await pollUntil(() => emitterOf(api, wh.webhook_id), { timeoutMs: 30_000, what: 'the API' })
    ).counters.sent;
    await pollUntil(async () => (await emitterOf(api, wh.webhook_id)).counters.sent >= before + 20, {
      timeoutMs: 30_000,
      what: '20 more events after the outage',
    });
    const stopped = await api.post(`/emitter/stop?${q}`);
    expect(stopped.status).toBe(200);
    const e = await pollUntil(
      async () => {
        const x = await emitterOf(api, wh.webhook_id);
        return x.counters.pending === 0 ? x : null;
      },
      { timeoutMs: 90_000, what: 'every queued delivery to finish' },
    );
    expect(e.counters.failed).toBe(0);
    expect(e.counters.delivered).toBe(e.counters.sent);
    // Every message the sender put in its outbox reached the receiver; each at most twice (an
    // attempt whose 200 came during the outage is sent again after its lease, same webhook-id).
    const ids = new Set(rx.seen.map((s) => s.id));
    expect(ids.size).toBe(e.counters.sent);
    for (const id of ids) expect(rx.forId(id).length).toBeLessThanOrEqual(2);
  });
});
