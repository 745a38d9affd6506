import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTestEnv, type TestEnv } from '../env.js';
import { database, emitterOf, pollUntil, senderApi, unique, type SenderApi } from './support.js';

let env: TestEnv;
let api: SenderApi;
let receiverDb: ReturnType<typeof database>;
let senderDb: ReturnType<typeof database>;
const created: string[] = [];

beforeAll(async () => {
  env = await getTestEnv();
  api = senderApi(env);
  receiverDb = database(env.databaseUrl);
  senderDb = database(env.senderDatabaseUrl);
});

afterAll(async () => {
  for (const id of created) await api.delete(`/webhooks/${id}`).catch(() => undefined);
  await receiverDb?.end();
  await senderDb?.end();
});

const rowsOf = async (customer: string) =>
  Number(
    (
      await receiverDb.query<{ n: string }>('SELECT count(*) AS n FROM events WHERE customer_id = $1', [
        customer,
      ])
    )[0]?.n,
  );

describe("the seed's curl flow, on the real stack (sender → nginx → handlers → Kafka → consumer → PostgreSQL)", () => {
  it('register (the sender installs the secret on the receiver) → start → events land → stop → no more events', async () => {
    const customer = unique('ben@webhooksystem');
    expect((await fetch(`${env.senderUrl}/ping`)).status).toBe(200);

    // curl -X POST $SENDER/register -d '{…}' sends form-urlencoded; the body is JSON all the same.
    const reg = await api.post(
      '/register',
      JSON.stringify({ customer_id: customer, webhook_url: `${env.ingressUrl}/webhook` }),
      { 'content-type': 'application/x-www-form-urlencoded' },
    );
    expect(reg.status).toBe(201);
    expect(reg.json).toMatchObject({ customer_id: customer, webhook_status: 'ACTIVE' });
    const webhookId = reg.json.webhook_id as string;
    created.push(webhookId);
    const secret = reg.json.secret_token as string;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);

    // GET / lists it, without any secret.
    const list = await api.get(`/?customer_id=${encodeURIComponent(customer)}`);
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.json)).not.toContain(secret.slice(6));
    expect(list.json).toEqual([expect.objectContaining({ webhook_id: webhookId, webhook_status: 'ACTIVE' })]);

    // No POST /secrets: the webhook is on the stack's ingress, so the sender installed its secret.
    const q = `customer_id=${encodeURIComponent(customer)}&webhook_id=${webhookId}`;
    const started = await api.post(`/emitter/start?${q}&rate=5`);
    expect(started.status).toBe(201);
    // Starting it again returns the running one: no second loop.
    const again = await api.post(`/emitter/start?${q}&rate=5`);
    expect(again.status).toBe(200);
    expect(again.json.emitter_id).toBe(started.json.emitter_id);
    const running = await api.get(`/emitters?webhook_id=${webhookId}`);
    expect((running.json.data as unknown[]).length).toBe(1);

    await pollUntil(async () => (await rowsOf(customer)) >= 5, {
      timeoutMs: 30_000,
      what: 'five events of the customer in the receiver’s events table',
    });

    const stopped = await api.post(`/emitter/stop?${q}`);
    expect(stopped.status).toBe(200);
    expect(stopped.json.status).toBe('stopped');
    const sentAtStop = (stopped.json.counters as { sent: number }).sent;

    // What was queued before the stop still delivers; then the sender has nothing left to try.
    const settled = await pollUntil(
      async () => {
        const e = await emitterOf(api, webhookId);
        return e.counters.pending === 0 ? e : null;
      },
      { timeoutMs: 60_000, what: 'the stopped emitter’s queued deliveries to finish' },
    );
    expect(settled.counters.sent).toBe(sentAtStop);
    expect(settled.counters.failed).toBe(0);
    expect(settled.counters.delivered).toBe(sentAtStop);

    // Every delivered webhook-id is one row in the receiver's events, for this customer.
    const delivered = await senderDb.query<{ message_id: string }>(
      `SELECT message_id FROM delivery_outcomes WHERE webhook_id = $1 AND outcome = 'delivered'`,
      [webhookId],
    );
    expect(delivered.length).toBe(sentAtStop);
    await pollUntil(async () => (await rowsOf(customer)) === sentAtStop, {
      timeoutMs: 30_000,
      what: `the receiver to hold ${sentAtStop} rows for the customer`,
    });

    // No more events: a later event sent through the same path (a fence) lands, and by then the
    // customer's rows are still exactly what was sent before the stop.
    const fence = await api.post(`/webhooks/${webhookId}/trigger`, { type: 'order.paid' });
    expect(fence.status).toBe(202);
    const fenceId = (fence.json.deliveries as { message_id: string }[])[0]!.message_id;
    await pollUntil(
      async () =>
        (await receiverDb.query('SELECT 1 FROM events WHERE webhook_id = $1', [fenceId])).length === 1,
      { timeoutMs: 30_000, what: 'the fence event in the receiver’s events' },
    );
    expect(await rowsOf(customer)).toBe(sentAtStop + 1);
    expect((await emitterOf(api, webhookId)).counters.sent).toBe(sentAtStop);
    const rows = await receiverDb.query<{
      webhook_id: string;
      event_type: string;
      payload: { type: string };
    }>('SELECT webhook_id, event_type, payload FROM events WHERE customer_id = $1', [customer]);
    const ids = new Set([...delivered.map((d) => d.message_id), fenceId]);
    for (const r of rows) {
      expect(ids.has(r.webhook_id)).toBe(true);
      expect(r.payload.type).toBe(r.event_type);
    }
  });

  it('works exactly as docs/sender.md types it: localhost URL, default rate, no /secrets call', async () => {
    const customer = unique('ben@webhooksystem');
    const ingress = `http://localhost:${new URL(env.ingressUrl).port}`;
    const sender = (method: string, path: string, body?: string) =>
      fetch(`${env.senderUrl}${path}`, {
        method,
        // curl's -d sends form-urlencoded; -H "$K" the key.
        headers: {
          'X-API-Key': env.senderApiKey,
          ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
        },
        body,
      });
    expect((await sender('GET', '/ping')).status).toBe(200);
    expect((await sender('GET', '/')).status).toBe(200);
    const reg = await sender(
      'POST',
      '/register',
      `{"customer_id":"${customer}","webhook_url":"${ingress}/webhook"}`,
    );
    expect(reg.status).toBe(201);
    const webhookId = ((await reg.json()) as { webhook_id: string }).webhook_id;
    created.push(webhookId);
    const q = `customer_id=${customer}&webhook_id=${webhookId}`;
    expect((await sender('POST', `/emitter/start?${q}`)).status).toBe(201);
    // The seed's default rate, one event per 5 s: the first is sent at once.
    await pollUntil(async () => (await rowsOf(customer)) >= 2, {
      timeoutMs: 30_000,
      what: 'two events of the customer in the receiver’s events table',
    });
    expect((await sender('POST', `/emitter/stop?${q}`)).status).toBe(200);
    const settled = await pollUntil(
      async () => {
        const e = await emitterOf(api, webhookId);
        return e.counters.pending === 0 ? e : null;
      },
      { timeoutMs: 60_000, what: 'the stopped emitter’s queued deliveries to finish' },
    );
    expect(settled.counters.failed).toBe(0);
    await pollUntil(async () => (await rowsOf(customer)) === settled.counters.delivered, {
      timeoutMs: 30_000,
      what: `the receiver to hold ${settled.counters.delivered} rows for the customer`,
    });
  });
});
