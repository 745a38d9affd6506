import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS, generateSecret } from '@hookpipe/lib';
import { getTestEnv, type TestEnv } from '../env.js';
import {
  eventProducer,
  handlerRecord,
  pollUntil,
  receiverApi,
  receiverDb,
  unique,
  waitConsumerReady,
} from './support.js';

let env: TestEnv;
let db: ReturnType<typeof receiverDb>;
let api: ReturnType<typeof receiverApi>;
let producer: Awaited<ReturnType<typeof eventProducer>>;

beforeAll(async () => {
  env = await getTestEnv();
  await waitConsumerReady(env.consumerUrl);
  db = receiverDb(env.databaseUrl);
  api = receiverApi(env.consumerUrl, env.receiverApiKey);
  producer = await eventProducer(env.kafkaBrokers);
});

afterAll(async () => {
  await producer?.stop();
  await db?.end();
});

/** Follows next_cursor until the last page; returns every row. */
async function allPages<T>(path: string): Promise<T[]> {
  const rows: T[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 100; page++) {
    const sep = path.includes('?') ? '&' : '?';
    const res = await api.get(cursor ? `${path}${sep}cursor=${cursor}` : path);
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    rows.push(...(res.json.data as T[]));
    cursor = res.json.next_cursor as string | null;
    if (!cursor) return rows;
  }
  throw new Error('more than 100 pages');
}

describe('receiver API on the real stack', () => {
  it('installs, lists (never the value) and retires a secret', async () => {
    const customer = unique('cust-secret');
    const secret = generateSecret();
    const created = await api.post('/secrets', { customer_id: customer, secret, label: 'primary' });
    expect(created.status).toBe(201);
    const fingerprint = createHash('sha256').update(secret).digest('hex').slice(0, 12);
    expect(created.json).toMatchObject({ customer_id: customer, label: 'primary', fingerprint });
    expect(JSON.stringify(created.json)).not.toContain(secret.slice('whsec_'.length, 20));
    expect(
      await db.count('SELECT count(*) AS n FROM receiver_secrets WHERE customer_id = $1', [customer]),
    ).toBe(1);

    const listed = await api.get(`/secrets?customer_id=${customer}`);
    expect(listed.json.data).toEqual([created.json]);
    const all = await fetch(`${env.consumerUrl}/secrets`, { headers: { 'X-API-Key': env.receiverApiKey } });
    const text = await all.text();
    expect(text).not.toContain('whsec_'); // no secret of any customer, the stack's own included

    expect((await api.post('/secrets', { customer_id: customer, secret })).status).toBe(409);
    expect((await api.post('/secrets', { customer_id: customer, secret: 'whsec_short' })).json).toMatchObject(
      {
        error: 'validation_failed',
      },
    );
    const id = created.json.id as number;
    expect((await api.delete(`/secrets/${id}`)).status).toBe(204);
    expect((await api.delete(`/secrets/${id}`)).status).toBe(404);
    expect(
      await db.count('SELECT count(*) AS n FROM receiver_secrets WHERE customer_id = $1', [customer]),
    ).toBe(0);
    expect((await fetch(`${env.consumerUrl}/secrets`)).status).toBe(401);
  });

  it('pages through events with a cursor, both orders, and filters by type', async () => {
    const customer = unique('cust-page');
    const events = Array.from({ length: 7 }, (_, i) =>
      handlerRecord({ customerId: customer, type: i % 2 ? 'invoice.paid' : 'order.created', data: { i } }),
    );
    await producer.send(events);
    await pollUntil(
      async () =>
        (await db.count('SELECT count(*) AS n FROM events WHERE customer_id = $1', [customer])) === 7,
      {
        timeoutMs: 30_000,
        what: 'the 7 events',
      },
    );

    type Row = { webhook_id: string; persisted_at: string; event_type: string; kafka: { topic: string } };
    const desc = await allPages<Row>(`/events?customer_id=${customer}&limit=3`);
    expect(desc.map((e) => e.webhook_id).sort()).toEqual(events.map((e) => e.webhookId).sort());
    const key = (r: Row) => `${r.persisted_at}|${r.webhook_id}`;
    expect(desc.map(key)).toEqual([...desc.map(key)].sort().reverse());
    const asc = await allPages<Row>(`/events?customer_id=${customer}&limit=2&order=asc`);
    expect(asc.map((r) => r.webhook_id)).toEqual([...desc].reverse().map((r) => r.webhook_id));
    expect(desc.every((r) => r.kafka.topic === TOPICS.events)).toBe(true);

    const paid = await allPages<Row>(`/events?customer_id=${customer}&type=invoice.paid`);
    expect(paid.map((r) => r.webhook_id).sort()).toEqual(
      events
        .filter((e) => e.type === 'invoice.paid')
        .map((e) => e.webhookId)
        .sort(),
    );
    const future = await api.get(`/events?customer_id=${customer}&since=2999-01-01T00:00:00Z`);
    expect(future.json).toEqual({ data: [], next_cursor: null });

    expect((await api.get('/events/msg_does_not_exist')).status).toBe(404);
    expect((await api.get('/events?cursor=not-a-cursor')).json).toMatchObject({ error: 'validation_failed' });
  });

  it('lists dead letters by customer, shows the raw body, and bulk-replays them by filter', async () => {
    const customer = unique('cust-bulk');
    const bodies = ['not json 1', 'not json 2', '[]'];
    const poison = bodies.map((body) => handlerRecord({ customerId: customer, body }));
    await producer.send(poison);
    const countFor = (status: 'open' | 'all') =>
      db.count(
        `SELECT count(*) AS n FROM dead_letters WHERE customer_id = $1 ${status === 'open' ? 'AND replayed_at IS NULL' : ''}`,
        [customer],
      );
    await pollUntil(async () => (await countFor('all')) === 3, { timeoutMs: 30_000, what: '3 dead letters' });

    type Dl = { id: number; webhook_id: string; error_class: string; replayed_at: string | null };
    const listed = await allPages<Dl>(`/dead-letters?customer_id=${customer}&limit=2`);
    expect(listed.map((d) => d.webhook_id).sort()).toEqual(poison.map((p) => p.webhookId).sort());
    expect(listed.map((d) => d.error_class).sort()).toEqual([
      'InvalidEventShape',
      'InvalidJson',
      'InvalidJson',
    ]);
    const one = await api.get(`/dead-letters/${listed[0]!.id}`);
    const raw = Buffer.from(one.json.raw_body_base64 as string, 'base64').toString();
    expect(bodies).toContain(raw);
    expect(one.json.failures).toHaveLength(1);

    const replay = await api.post('/dead-letters/replay', { filter: { customer_id: customer } });
    expect(replay.status).toBe(200);
    expect((replay.json.replayed as unknown[]).length).toBe(3);
    expect(replay.json.skipped).toEqual([]);
    // Still poison: each dead-letters again as a new open row; the replayed rows stay as history.
    await pollUntil(async () => (await countFor('open')) === 3 && (await countFor('all')) === 6, {
      timeoutMs: 30_000,
      what: 'the replayed poison to dead-letter again',
    });
    const again = await api.post('/dead-letters/replay', { ids: listed.map((d) => d.id) });
    expect(again.json.replayed).toEqual([]);
    expect((again.json.skipped as { reason: string }[]).map((s) => s.reason)).toEqual([
      'already_replayed',
      'already_replayed',
      'already_replayed',
    ]);
    const open = await allPages<Dl>(`/dead-letters?customer_id=${customer}&status=open`);
    expect(open).toHaveLength(3);
    expect(open.every((d) => d.replayed_at === null)).toBe(true);
  });

  it('reports totals and the consumer lag per partition of both topics', async () => {
    const res = await api.get('/stats');
    expect(res.status).toBe(200);
    const lag = res.json.lag as { partitions: { topic: string; lag: number; end: number }[]; total: number };
    expect(new Set(lag.partitions.map((p) => p.topic))).toEqual(new Set([TOPICS.events, TOPICS.retry]));
    expect(lag.partitions.filter((p) => p.topic === TOPICS.events)).toHaveLength(6);
    expect(lag.partitions.every((p) => p.lag >= 0 && p.lag <= p.end)).toBe(true);
    const totals = res.json.totals as { persisted: number };
    expect(totals.persisted).toBe(await db.count('SELECT count(*) AS n FROM events', []));
    const metrics = await (await fetch(`${env.consumerUrl}/metrics`)).text();
    expect(metrics).toContain('hookpipe_consumer_events_persisted_total');
  });
});
