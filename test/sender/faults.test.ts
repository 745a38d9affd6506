import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTestEnv, type TestEnv } from '../env.js';
import {
  database,
  emitterOf,
  pollUntil,
  register,
  senderApi,
  unique,
  waitUntilKnown,
  type Emitter,
  type SenderApi,
} from './support.js';

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

/** A webhook of a fresh customer on the real ingress (the sender installs its secret on the receiver). */
async function receiverWebhook() {
  const customer = unique('faults');
  const wh = await register(api, { customer_id: customer, webhook_url: `${env.ingressUrl}/webhook` });
  created.push(wh.webhook_id);
  await waitUntilKnown(env, wh.secret_token);
  return wh;
}

/** Runs an emitter to completion and returns it once nothing of it is pending any more. */
async function runToEnd(
  webhookId: string,
  customer: string,
  options: Record<string, unknown>,
): Promise<Emitter> {
  const q = `customer_id=${encodeURIComponent(customer)}&webhook_id=${webhookId}`;
  const started = await api.post(`/emitter/start?${q}`, options);
  expect(started.status, JSON.stringify(started.json)).toBe(201);
  return pollUntil(
    async () => {
      const e = await emitterOf(api, webhookId);
      return e.status === 'completed' && e.counters.pending === 0 ? e : null;
    },
    { timeoutMs: 60_000, what: `the emitter of ${webhookId} to complete and settle` },
  );
}

/** The handler's documented answer to each fault (docs/handler.md), or nginx's for the body limit. */
const EXPECTED: Record<string, string> = {
  bad_signature: '401',
  stale_timestamp: '401',
  oversized: '413',
  malformed_json: '400',
};

describe('fault options reach the real handler tier and get its documented answers', () => {
  it.each(Object.keys(EXPECTED))(
    '%s: every one answered as documented, counted per kind and status',
    async (kind) => {
      const wh = await receiverWebhook();
      const e = await runToEnd(wh.webhook_id, wh.customer_id, { rate: 10, count: 4, faults: { [kind]: 1 } });
      expect(e.counters.sent).toBe(4);
      expect(e.counters.faults[kind]).toEqual({ sent: 4, statuses: { [EXPECTED[kind]!]: 4 } });
      // Rejections are the expected outcome: not failed deliveries, and not a reason to disable.
      expect(e.counters.failed).toBe(0);
      const hook = await api.get(`/webhooks/${wh.webhook_id}`);
      expect(hook.json).toMatchObject({ webhook_status: 'ACTIVE', failing_since: null });
      const rows = await senderDb.query<{ status: string; attempts: number; last_status_code: number }>(
        'SELECT status, attempts, last_status_code FROM deliveries WHERE webhook_id = $1',
        [wh.webhook_id],
      );
      expect(rows).toHaveLength(4);
      for (const r of rows) expect(r).toMatchObject({ status: 'rejected', attempts: 1 });
      // Nothing of it reached the receiver's events.
      const landed = await receiverDb.query('SELECT 1 FROM events WHERE customer_id = $1', [wh.customer_id]);
      expect(landed).toHaveLength(0);
    },
  );

  it('duplicate_id: replays of delivered webhook-ids are accepted (2xx) and stored once', async () => {
    const wh = await receiverWebhook();
    // Half the events replay a webhook-id already delivered; until one is, they go out as new ones.
    const e = await runToEnd(wh.webhook_id, wh.customer_id, {
      rate: 10,
      count: 40,
      faults: { duplicate_id: 0.5 },
    });
    const dup = e.counters.faults.duplicate_id;
    expect(dup?.sent).toBeGreaterThan(0);
    const statuses = Object.entries(dup?.statuses ?? {});
    expect(statuses.every(([code]) => code.startsWith('2'))).toBe(true);
    expect(statuses.reduce((s, [, n]) => s + n, 0)).toBe(dup?.sent);
    expect(e.counters.delivered + (dup?.sent ?? 0)).toBe(40);

    // One receiver row per distinct webhook-id: the replays made none of their own.
    const distinct = await senderDb.query<{ message_id: string }>(
      `SELECT DISTINCT message_id FROM deliveries WHERE webhook_id = $1 AND status = 'delivered'`,
      [wh.webhook_id],
    );
    expect(distinct).toHaveLength(e.counters.delivered);
    await pollUntil(
      async () => {
        const rows = await receiverDb.query('SELECT 1 FROM events WHERE customer_id = $1', [wh.customer_id]);
        return rows.length === distinct.length;
      },
      { timeoutMs: 30_000, what: `${distinct.length} receiver rows for the customer` },
    );
    const rows = await receiverDb.query<{ webhook_id: string }>(
      'SELECT webhook_id FROM events WHERE customer_id = $1',
      [wh.customer_id],
    );
    expect(new Set(rows.map((r) => r.webhook_id))).toEqual(new Set(distinct.map((d) => d.message_id)));
  });
});
