import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTestEnv, type TestEnv } from '../env.js';
import { database, receiverApi, senderApi } from '../support/http.js';
import { pollUntil } from '../support/poll.js';
import { expectReconciled, newWebhook, type Webhook } from './scenario.js';

const MAX_RETRIES = 3; // the consumer's CONSUMER_MAX_RETRIES default, as in the seed

let env: TestEnv;
let receiverDb: ReturnType<typeof database>;
beforeAll(async () => {
  env = await getTestEnv();
  receiverDb = database(env.databaseUrl);
});
afterAll(async () => {
  await receiverDb?.end();
});

/** Sends one catalog event through the sender's outbox with `data.simulate` set; returns its webhook-id. */
async function trigger(w: Webhook, simulate?: { fail: number | 'always' }): Promise<string> {
  const res = await senderApi(env).post(`/webhooks/${w.webhookId}/trigger`, {
    type: 'order.created',
    ...(simulate ? { overrides: { simulate } } : {}),
  });
  expect(res.status, JSON.stringify(res.json)).toBe(202);
  const deliveries = res.json.deliveries as { message_id: string }[];
  expect(deliveries).toHaveLength(1);
  return deliveries[0]!.message_id;
}

describe('retries and the dead-letter queue, end to end', () => {
  it('persists events failing k < max times once, dead-letters always-failing ones after exactly max retries, and a replay persists them', async () => {
    const w = await newWebhook(env, 'retries');
    const plain = await Promise.all([1, 2].map(() => trigger(w)));
    const once = await Promise.all([1, 2].map(() => trigger(w, { fail: 1 })));
    const twice = await Promise.all([1, 2].map(() => trigger(w, { fail: 2 })));
    const always = await Promise.all([1, 2].map(() => trigger(w, { fail: 'always' })));

    const api = receiverApi(env);
    const expectPersisted = async (ids: string[], retryCount: number, failures = retryCount) => {
      for (const id of ids) {
        const event = await pollUntil(
          async () => {
            const res = await api.get(`/events/${encodeURIComponent(id)}`);
            return res.status === 200 ? res.json : undefined;
          },
          { timeoutMs: 60_000, what: `event ${id} to be persisted` },
        );
        expect(event).toMatchObject({ webhook_id: id, customer_id: w.customerId, retry_count: retryCount });
        // Its retry history: one failure per requeue (and the dead letter, for a replayed one).
        expect(event.failures as unknown[]).toHaveLength(failures);
      }
    };
    await expectPersisted(plain, 0);
    await expectPersisted(once, 1);
    await expectPersisted(twice, 2);

    const dead = await pollUntil(
      async () => {
        const rows = await receiverDb.query<{
          id: string;
          webhook_id: string;
          retry_count: number;
          error_class: string;
        }>(
          `SELECT id::text, webhook_id, retry_count, error_class FROM dead_letters
            WHERE customer_id = $1 AND replayed_at IS NULL ORDER BY id`,
          [w.customerId],
        );
        return rows.length === always.length ? rows : undefined;
      },
      { timeoutMs: 90_000, what: 'the always-failing events to be dead-lettered' },
    );
    expect(dead.map((d) => d.webhook_id).sort()).toEqual([...always].sort());
    for (const d of dead)
      expect(d).toMatchObject({ retry_count: MAX_RETRIES, error_class: 'InjectedFailure' });
    // Exactly max retries: MAX_RETRIES requeues, then one dead letter, per event.
    const history = await receiverDb.query<{ webhook_id: string; retries: string; dead: string }>(
      `SELECT webhook_id, count(*) FILTER (WHERE outcome = 'retry')::text AS retries,
              count(*) FILTER (WHERE outcome = 'dead_letter')::text AS dead
         FROM event_failures WHERE webhook_id = ANY($1) GROUP BY webhook_id`,
      [always],
    );
    expect(history.map((h) => [Number(h.retries), Number(h.dead)])).toEqual(
      always.map(() => [MAX_RETRIES, 1]),
    );
    expect(await receiverDb.count('SELECT count(*) FROM events WHERE webhook_id = ANY($1)', [always])).toBe(
      0,
    );

    // Every event the sender got a 2xx for is one row or one dead letter, before the replay…
    const before = await expectReconciled(env, [w.customerId], { minDelivered: 8 });
    expect(before).toMatchObject({ delivered: 8, persisted: 6, deadLettered: 2 });

    // …and a replay persists the dead letters once, with retry_count back to 0.
    const replay = await api.post('/dead-letters/replay', { ids: dead.map((d) => Number(d.id)) });
    expect(replay.status).toBe(200);
    expect(replay.json.replayed as unknown[]).toHaveLength(2);
    await expectPersisted(always, 0, MAX_RETRIES + 1);
    const again = await api.post(`/dead-letters/${dead[0]!.id}/replay`);
    expect(again.status).toBe(409);
    const after = await expectReconciled(env, [w.customerId], { minDelivered: 8 });
    expect(after).toMatchObject({ delivered: 8, persisted: 8, deadLettered: 0 });
  });
});
