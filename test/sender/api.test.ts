import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { getTestEnv, type TestEnv } from '../env.js';
import {
  database,
  pollUntil,
  register,
  senderApi,
  startReceiver,
  unique,
  type SenderApi,
} from './support.js';

let env: TestEnv;
let api: SenderApi;
let senderDb: ReturnType<typeof database>;
let rx: Awaited<ReturnType<typeof startReceiver>>;
const created: string[] = [];

beforeAll(async () => {
  env = await getTestEnv();
  api = senderApi(env);
  senderDb = database(env.senderDatabaseUrl);
  rx = await startReceiver(() => ({ status: 200 }));
});

afterAll(async () => {
  for (const id of created) await api.delete(`/webhooks/${id}`).catch(() => undefined);
  await rx?.close();
  await senderDb?.end();
});

async function webhook(body: Record<string, unknown> = {}) {
  const wh = await register(api, { customer_id: unique('api'), webhook_url: rx.url, ...body });
  created.push(wh.webhook_id);
  return wh;
}

async function delivered(messageId: string) {
  return pollUntil(
    async () => {
      const res = await api.get(`/events/${messageId}/attempts`);
      const d = (res.json.deliveries as { status: string }[] | undefined)?.[0];
      return d?.status === 'delivered' ? d : null;
    },
    { timeoutMs: 30_000, what: `${messageId} to be delivered` },
  );
}

describe('webhook registrations on the real PostgreSQL', () => {
  it('create, get (no secret), duplicate 409, update, delete, then 404', async () => {
    const wh = await webhook({ description: 'orders', event_types: ['order.*'] });
    expect(wh.secret_token).toMatch(/^whsec_/);
    const got = await api.get(`/webhooks/${wh.webhook_id}`);
    expect(got.status).toBe(200);
    expect(got.json).toMatchObject({
      webhook_id: wh.webhook_id,
      event_types: ['order.*'],
      webhook_status: 'ACTIVE',
    });
    expect(JSON.stringify(got.json)).not.toContain(wh.secret_token);

    const dup = await api.post('/register', { customer_id: wh.customer_id, webhook_url: rx.url });
    expect(dup.status).toBe(409);
    expect(dup.json.error).toBe('webhook_exists');

    const patched = await api.patch(`/webhooks/${wh.webhook_id}`, {
      webhook_url: `${rx.url}?v=2`,
      event_types: ['*'],
      description: null,
    });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({
      webhook_url: `${rx.url}?v=2`,
      event_types: ['*'],
      description: null,
    });

    const bad = await api.patch(`/webhooks/${wh.webhook_id}`, { webhook_url: 'http://example.com/x' });
    expect(bad.status).toBe(400);

    expect((await api.delete(`/webhooks/${wh.webhook_id}`)).status).toBe(204);
    expect((await api.get(`/webhooks/${wh.webhook_id}`)).status).toBe(404);
    expect((await api.delete(`/webhooks/${wh.webhook_id}`)).status).toBe(404);
    expect((await api.patch(`/webhooks/${wh.webhook_id}`, { active: true })).json.error).toBe(
      'webhook_not_found',
    );
  });

  it('lists with a customer filter and a cursor, never showing secrets', async () => {
    const customer = unique('api-list');
    const secrets: string[] = [];
    for (const n of [1, 2, 3]) {
      const wh = await register(api, { customer_id: customer, webhook_url: `${rx.url}?n=${n}` });
      created.push(wh.webhook_id);
      secrets.push(wh.secret_token);
    }
    const first = await api.get(`/webhooks?customer_id=${customer}&limit=2`);
    expect((first.json.data as unknown[]).length).toBe(2);
    expect(first.json.next_cursor).toEqual(expect.any(String));
    const second = await api.get(
      `/webhooks?customer_id=${customer}&limit=2&cursor=${String(first.json.next_cursor)}`,
    );
    expect((second.json.data as unknown[]).length).toBe(1);
    expect(second.json.next_cursor).toBeNull();
    const seed = await api.get(`/?customer_id=${customer}`);
    expect((seed.json as unknown as unknown[]).length).toBe(3);
    for (const s of secrets) expect(JSON.stringify([first.json, second.json, seed.json])).not.toContain(s);
  });

  it('sends custom headers, and shows credential-like ones redacted', async () => {
    const wh = await webhook({ headers: { 'X-Tenant': 'acme', Authorization: 'Bearer s3cr3t' } });
    expect((await api.get(`/webhooks/${wh.webhook_id}`)).json.headers).toEqual({
      'X-Tenant': 'acme',
      Authorization: '[redacted]',
    });
    const res = await api.post(`/webhooks/${wh.webhook_id}/trigger`, { type: 'user.created' });
    const msg = (res.json.deliveries as { message_id: string }[])[0]!.message_id;
    await delivered(msg);
    expect(rx.forId(msg)[0]!.headers).toMatchObject({ 'x-tenant': 'acme', authorization: 'Bearer s3cr3t' });
  });
});

describe('POST /events', () => {
  it('fans out by event-type filter (exact, prefix wildcard, *) and is idempotent on id', async () => {
    const orders = await webhook({ event_types: ['order.*'] });
    const users = await webhook({ event_types: ['user.created'] });
    const all = await webhook({ event_types: ['*'] });
    const mine = new Set([orders.webhook_id, users.webhook_id, all.webhook_id]);
    const event = { id: unique('evt'), type: 'order.paid', data: { order_id: 'ord_1', amount: 1200 } };

    const first = await api.post('/events', event);
    expect(first.status).toBe(202);
    const targets = (first.json.deliveries as { webhook_id: string; message_id: string }[]).filter((d) =>
      mine.has(d.webhook_id),
    );
    expect(targets.map((t) => t.webhook_id).sort()).toEqual([orders.webhook_id, all.webhook_id].sort());

    const repeat = await api.post('/events', event);
    expect(repeat.status).toBe(202);
    expect(repeat.headers.get('idempotent-replayed')).toBe('true');
    expect(repeat.json).toEqual(first.json);

    const conflict = await api.post('/events', { ...event, data: { order_id: 'ord_2' } });
    expect(conflict.status).toBe(409);
    expect(conflict.json.error).toBe('event_id_conflict');

    for (const t of targets) await delivered(t.message_id);
    const rows = await senderDb.query(
      'SELECT 1 FROM deliveries WHERE event_id = $1 AND webhook_id = ANY($2)',
      [event.id, [...mine]],
    );
    expect(rows).toHaveLength(2);
    for (const t of targets) {
      const got = rx.forId(t.message_id);
      expect(got).toHaveLength(1);
      expect(JSON.parse(got[0]!.body.toString())).toMatchObject({ type: 'order.paid', data: event.data });
    }
  });
});

describe('secret rotation', () => {
  it('signs with old and new during the grace period, then with the new one only', async () => {
    const wh = await webhook();
    const rotated = await api.post(`/webhooks/${wh.webhook_id}/rotate-secret`, {});
    expect(rotated.status).toBe(200);
    const newer = rotated.json.secret_token as string;
    expect(newer).not.toBe(wh.secret_token);

    const send = async () => {
      const res = await api.post(`/webhooks/${wh.webhook_id}/trigger`, { type: 'invoice.paid' });
      const msg = (res.json.deliveries as { message_id: string }[])[0]!.message_id;
      await delivered(msg);
      return rx.forId(msg)[0]!;
    };
    const verifies = (secret: string, got: { body: Buffer; headers: Record<string, unknown> }) => {
      try {
        new Webhook(secret).verify(got.body.toString(), got.headers as Record<string, string>);
        return true;
      } catch {
        return false;
      }
    };

    const during = await send();
    expect(during.signature.split(' ')).toHaveLength(2);
    expect(verifies(wh.secret_token, during)).toBe(true);
    expect(verifies(newer, during)).toBe(true);

    // A rotation with no grace retires every older secret at once.
    const again = await api.post(`/webhooks/${wh.webhook_id}/rotate-secret`, { grace_seconds: 0 });
    const newest = again.json.secret_token as string;
    const after = await send();
    expect(after.signature.split(' ')).toHaveLength(1);
    expect(verifies(newest, after)).toBe(true);
    expect(verifies(newer, after)).toBe(false);
  });
});

describe('history and stats', () => {
  it('lists deliveries, their attempts, and the webhook stats', async () => {
    const wh = await webhook();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await api.post(`/webhooks/${wh.webhook_id}/trigger`, { type: 'payment.succeeded' });
      ids.push((res.json.deliveries as { message_id: string }[])[0]!.message_id);
    }
    for (const id of ids) await delivered(id);

    const list = await api.get(`/webhooks/${wh.webhook_id}/deliveries?status=delivered`);
    expect((list.json.data as { message_id: string }[]).map((d) => d.message_id).sort()).toEqual(
      [...ids].sort(),
    );

    const stats = await api.get(`/webhooks/${wh.webhook_id}/stats?window=600`);
    expect(stats.status).toBe(200);
    expect(stats.json).toMatchObject({
      attempts: 3,
      succeeded: 3,
      failed: 0,
      success_rate: 1,
      last_error: null,
    });
    expect((stats.json.latency_ms as { p50: number | null }).p50).toEqual(expect.any(Number));

    const types = await api.get('/event-types');
    expect((types.json.event_types as unknown[]).length).toBeGreaterThanOrEqual(8);
  });
});
