/**
 * The receiver's operational webhooks on the real stack (docs/operational-webhooks.md): an
 * operator endpoint on a local HTTP server gets `dead_letter.created` when the pipeline dead-letters
 * an event and `dead_letter.replayed` when it is replayed, each verified with the project's own
 * verifier; an endpoint that fails is retried (same webhook-id) and every attempt is recorded.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSecret, schemeKey, verify, verifyGithub } from '@hookpipe/lib';
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

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  json: { type: string; timestamp: string; data: Record<string, unknown> };
}

let env: TestEnv;
let db: ReturnType<typeof receiverDb>;
let api: ReturnType<typeof receiverApi>;
let producer: Awaited<ReturnType<typeof eventProducer>>;
let server: http.Server;
let base: string;
const received: Received[] = [];
const created: string[] = [];
// How many times /flaky still answers 500 before it answers 200.
let flakyFailures = 2;

beforeAll(async () => {
  env = await getTestEnv();
  await waitConsumerReady(env.consumerUrl);
  db = receiverDb(env.databaseUrl);
  api = receiverApi(env.consumerUrl, env.receiverApiKey);
  producer = await eventProducer(env.kafkaBrokers);
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      received.push({
        path: req.url ?? '',
        headers: req.headers,
        body,
        json: JSON.parse(body.toString('utf8')),
      });
      const fail = req.url === '/flaky' && flakyFailures-- > 0;
      res.writeHead(fail ? 500 : 204).end(fail ? 'not yet' : undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const id of created) await api?.delete(`/operational-webhooks/${id}`);
  await producer?.stop();
  await db?.end();
  await new Promise((resolve) => server?.close(resolve));
});

const addEndpoint = async (body: Record<string, unknown>) => {
  const res = await api.post('/operational-webhooks', body);
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  created.push(res.json.id as string);
  return res.json as { id: string; secret: string; event_types: string[]; signature_scheme: string };
};

const waitFor = (what: string, match: (r: Received) => boolean) =>
  pollUntil(() => received.find(match), { timeoutMs: 90_000, what });

const headersOf = (r: Received) => ({
  id: r.headers['webhook-id'] as string,
  timestamp: r.headers['webhook-timestamp'] as string,
  signature: r.headers['webhook-signature'] as string,
});

describe('operational webhooks of the receiver (real Kafka, PostgreSQL and an HTTP endpoint)', () => {
  it('refuses an unknown event type with a 422 naming the field, and writes nothing', async () => {
    const before = await db.count('SELECT count(*) AS n FROM operational_endpoints', []);
    const res = await api.post('/operational-webhooks', {
      url: `${base}/x`,
      event_types: ['endpoint.disabled'],
    });
    expect(res.status).toBe(422);
    expect(res.json).toMatchObject({ error: 'validation_failed' });
    expect(JSON.stringify(res.json)).toContain('event_types.0');
    expect(await db.count('SELECT count(*) AS n FROM operational_endpoints', [])).toBe(before);
  });

  it('sends dead_letter.created and dead_letter.replayed, signed; retries a failing endpoint and records it', async () => {
    const all = await addEndpoint({ url: `${base}/all`, description: 'everything' });
    expect(all.event_types).toEqual(['*']);
    expect(all.secret).toMatch(/^whsec_/);
    const flaky = await addEndpoint({
      url: `${base}/flaky`,
      signature_scheme: 'github',
      event_types: ['dead_letter.created'],
    });
    const listed = await api.get('/operational-webhooks');
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.json)).not.toContain(all.secret);
    expect(JSON.stringify(listed.json)).not.toContain(flaky.secret);

    const ev = handlerRecord({ customerId: unique('cust-ops'), data: { simulate: { fail: 'always' } } });
    await producer.send([ev]);

    const isCreated = (r: Received) =>
      r.json.type === 'dead_letter.created' && r.json.data.event_id === ev.webhookId;
    const createdEvent = await waitFor(
      'dead_letter.created at /all',
      (r) => r.path === '/all' && isCreated(r),
    );
    expect(createdEvent.json.data).toMatchObject({
      customer_id: ev.customerId,
      event_type: ev.type,
      retry_count: 3,
    });
    const checked = verify({
      headers: headersOf(createdEvent),
      body: createdEvent.body,
      keys: [{ key: decodeSecret(all.secret)! }],
      now: Math.floor(Date.now() / 1000),
    });
    expect(checked.ok).toBe(true);
    const deadLetterId = createdEvent.json.data.dead_letter_id as number;

    // The github endpoint fails twice, then takes it: three attempts, one webhook-id, all recorded.
    await pollUntil(
      async () => {
        const res = await api.get(`/operational-webhooks/${flaky.id}/deliveries`);
        const d = (res.json.data as { status: string }[] | undefined)?.[0];
        return d?.status === 'delivered' ? d : null;
      },
      { timeoutMs: 60_000, what: 'the flaky endpoint’s delivery to be delivered' },
    );
    const atFlaky = received.filter((r) => r.path === '/flaky' && isCreated(r));
    expect(atFlaky).toHaveLength(3);
    expect(new Set(atFlaky.map((r) => r.headers['x-github-delivery'])).size).toBe(1);
    // One id per delivery, as on the sender: the same event at /all came with another.
    expect(atFlaky[0]!.headers['x-github-delivery']).not.toBe(createdEvent.headers['webhook-id']);
    for (const r of atFlaky) {
      const ok = verifyGithub({
        headers: {
          signature: r.headers['x-hub-signature-256'] as string,
          event: r.headers['x-github-event'] as string,
          delivery: r.headers['x-github-delivery'] as string,
        },
        body: r.body,
        keys: [{ key: schemeKey('github', flaky.secret)! }],
      });
      expect(ok.ok).toBe(true);
    }
    const deliveries = await api.get(`/operational-webhooks/${flaky.id}/deliveries`);
    expect(deliveries.json.data?.[0]).toMatchObject({ event_type: 'dead_letter.created', attempts: 3 });
    const attempts = await db.pool.query<{ attempt: number; status_code: number; error: string | null }>(
      `SELECT a.attempt, a.status_code, a.error FROM operational_attempts a
         JOIN operational_deliveries d ON d.id = a.delivery_id
        WHERE d.endpoint_id = $1 ORDER BY a.attempt`,
      [flaky.id],
    );
    expect(attempts.rows).toEqual([
      { attempt: 1, status_code: 500, error: 'HTTP 500: not yet' },
      { attempt: 2, status_code: 500, error: 'HTTP 500: not yet' },
      { attempt: 3, status_code: 204, error: null },
    ]);

    const replay = await api.post(`/dead-letters/${deadLetterId}/replay`);
    expect(replay.status).toBe(200);
    const replayed = await waitFor(
      'dead_letter.replayed at /all',
      (r) =>
        r.path === '/all' &&
        r.json.type === 'dead_letter.replayed' &&
        r.json.data.dead_letter_id === deadLetterId,
    );
    expect(replayed.json.data).toMatchObject({ event_id: ev.webhookId, customer_id: ev.customerId });
    expect(
      verify({
        headers: headersOf(replayed),
        body: replayed.body,
        keys: [{ key: decodeSecret(all.secret)! }],
        now: Math.floor(Date.now() / 1000),
      }).ok,
    ).toBe(true);
    // The flaky endpoint takes only dead_letter.created.
    expect(received.some((r) => r.path === '/flaky' && r.json.type === 'dead_letter.replayed')).toBe(false);
  });

  it('removing an endpoint hides it and keeps its history', async () => {
    const gone = await addEndpoint({ url: `${base}/gone` });
    expect((await api.delete(`/operational-webhooks/${gone.id}`)).status).toBe(204);
    expect((await api.get(`/operational-webhooks/${gone.id}`)).status).toBe(404);
    expect(await db.count('SELECT count(*) AS n FROM operational_endpoints WHERE id = $1', [gone.id])).toBe(
      1,
    );
  });
});
