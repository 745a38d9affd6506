import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEADERS, generateSecret } from '@hookpipe/lib';
import { getTestEnv, type TestEnv } from '../env.js';
import {
  eventBody,
  mapLimit,
  postWebhook,
  secretsTable,
  signedRequest,
  startCollector,
  unique,
  waitReady,
  waitUntilKnown,
} from './support.js';

// Through the real nginx and the three real handler replicas to the real Kafka.
let env: TestEnv;
let secrets: ReturnType<typeof secretsTable>;
let collector: Awaited<ReturnType<typeof startCollector>>;
const customer = unique('cust-ingress');
let secret: string;

beforeAll(async () => {
  env = await getTestEnv();
  await waitReady(env.handlerUrls);
  secrets = secretsTable(env.databaseUrl);
  secret = (await secrets.add(customer)).secret;
  await waitUntilKnown(env.handlerUrls, secret);
  collector = await startCollector(env.kafkaBrokers);
});

afterAll(async () => {
  await collector?.stop();
  await secrets?.end();
});

describe('handler tier behind nginx', () => {
  it('N signed events in → exactly N records on webhooks.events, bytes and headers as the contract says', async () => {
    const n = 60;
    const sent = Array.from({ length: n }, (_, i) => signedRequest(secret, { body: eventBody({ seq: i }) }));
    // Even-numbered requests bring their own X-Request-ID, odd ones none.
    const clientId = (i: number) => (i % 2 === 0 ? `client-req-${i}` : undefined);
    const answers = await mapLimit(sent, 8, (req, i) => {
      const own = clientId(i);
      return postWebhook(env.ingressUrl, {
        ...req,
        headers: own ? { ...req.headers, 'x-request-id': own } : req.headers,
      });
    });
    expect(answers.map((a) => a.status)).toEqual(Array(n).fill(202));
    expect(answers.map((a) => a.json.webhook_id)).toEqual(sent.map((s) => s.id));
    const requestIds = answers.map((a) => a.headers.get('x-request-id'));
    // A client's own request id is kept end to end; otherwise nginx generates one (32 hex).
    requestIds.forEach((r, i) =>
      expect(r).toMatch(clientId(i) ? new RegExp(`^${clientId(i)}$`) : /^[0-9a-f]{32}$/),
    );

    await collector.caughtUp();
    for (const [i, req] of sent.entries()) {
      const records = collector.records(req.id);
      expect(records, `records of ${req.id}`).toHaveLength(1);
      const record = records[0]!;
      expect(record.key).toBe(customer);
      expect(record.value.toString('utf8')).toBe(req.body);
      expect(record.headers).toMatchObject({
        [HEADERS.webhookId]: req.id,
        [HEADERS.eventType]: 'order.created',
        [HEADERS.customerId]: customer,
        [HEADERS.requestId]: requestIds[i],
        [HEADERS.signedAt]: req.headers['webhook-timestamp'],
        [HEADERS.retryCount]: '0',
      });
      expect(record.headers[HEADERS.receivedAt]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
    // One customer = one key = one partition, so its events keep their order.
    expect(new Set(sent.map((s) => collector.records(s.id)[0]!.partition)).size).toBe(1);
  });

  it('events of one customer sent one after another land in order', async () => {
    const sequence = Array.from({ length: 10 }, (_, i) =>
      signedRequest(secret, { body: eventBody({ seq: i }) }),
    );
    for (const req of sequence) expect((await postWebhook(env.ingressUrl, req)).status).toBe(202);
    await collector.caughtUp();
    const placed = sequence.map((s) => collector.records(s.id)[0]!);
    expect(new Set(placed.map((r) => r.partition)).size).toBe(1);
    const offsets = placed.map((r) => BigInt(r.offset));
    expect(offsets.every((o, i) => i === 0 || o > offsets[i - 1]!)).toBe(true);
  });

  it('every bad-input class gets its status and JSON error, and none reaches Kafka', async () => {
    const good = () => signedRequest(secret);
    const without = (name: string) => {
      const r = good();
      const headers = { ...r.headers };
      delete headers[name];
      return { ...r, headers };
    };
    const big = eventBody({ pad: 'x'.repeat(300 * 1024) });
    const cases: { name: string; id: string; expect: number; error?: string; send: () => Promise<number> }[] =
      [];
    const add = (name: string, status: number, error: string | undefined, req: ReturnType<typeof good>) =>
      cases.push({
        name,
        id: req.id,
        expect: status,
        error,
        send: async () => {
          const res = await postWebhook(env.ingressUrl, req);
          if (error) expect(res.json.error, name).toBe(error);
          if (error) expect(typeof res.json.message, name).toBe('string');
          return res.status;
        },
      });
    add('missing webhook-signature', 400, 'missing_signature_headers', without('webhook-signature'));
    add('missing webhook-id', 400, 'missing_signature_headers', without('webhook-id'));
    add('missing webhook-timestamp', 400, 'missing_signature_headers', without('webhook-timestamp'));
    const garbled = good();
    add('garbled signature', 400, 'malformed_signature_headers', {
      ...garbled,
      headers: { ...garbled.headers, 'webhook-signature': 'v1,@@@' },
    });
    const tampered = good();
    add('tampered body', 401, 'invalid_signature', {
      ...tampered,
      body: tampered.body.replace('order', 'odder'),
    });
    add('unknown secret', 401, 'invalid_signature', signedRequest(generateSecret()));
    add(
      'too old',
      401,
      'timestamp_out_of_tolerance',
      signedRequest(secret, { timestamp: Math.floor(Date.now() / 1000) - 600 }),
    );
    add(
      'too far ahead',
      401,
      'timestamp_out_of_tolerance',
      signedRequest(secret, { timestamp: Math.floor(Date.now() / 1000) + 600 }),
    );
    add('over the body limit (nginx)', 413, 'payload_too_large', signedRequest(secret, { body: big }));
    add('not JSON', 400, 'invalid_json', signedRequest(secret, { body: '{"type":' }));
    add(
      'not the event shape',
      400,
      'invalid_event',
      signedRequest(secret, { body: '{"type":"a","data":[]}' }),
    );
    const text = good();
    add('wrong content type', 415, 'unsupported_media_type', {
      ...text,
      headers: { ...text.headers, 'content-type': 'text/plain' },
    });

    const control = good();
    for (const c of cases) expect(await c.send(), c.name).toBe(c.expect);
    expect((await postWebhook(env.ingressUrl, control)).status).toBe(202);

    // Streamed (chunked, no Content-Length) and over the limit: refused too.
    const chunked = signedRequest(secret, { body: big });
    const res = await fetch(`${env.ingressUrl}/webhook`, {
      method: 'POST',
      headers: chunked.headers,
      body: new Blob([chunked.body]).stream(),
      duplex: 'half',
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: string }).error).toBe('payload_too_large');

    const notFound = await fetch(`${env.ingressUrl}/nope`, { method: 'POST' });
    expect(notFound.status).toBe(404);
    expect(((await notFound.json()) as { error: string }).error).toBe('not_found');
    const wrongMethod = await fetch(`${env.ingressUrl}/webhook`);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');

    await collector.caughtUp();
    expect(collector.records(control.id)).toHaveLength(1); // the reader does see this customer
    for (const c of [...cases, { name: 'chunked', id: chunked.id }]) {
      expect(collector.records(c.id), c.name).toHaveLength(0);
    }
  });

  it('a duplicate webhook-id (an honest retry) is accepted and forwarded again', async () => {
    const first = signedRequest(secret);
    const retry = signedRequest(secret, { id: first.id, body: first.body });
    expect((await postWebhook(env.ingressUrl, first)).status).toBe(202);
    expect((await postWebhook(env.ingressUrl, retry)).status).toBe(202);
    await collector.caughtUp();
    expect(collector.records(first.id)).toHaveLength(2);
  });

  it('GET /ping through nginx reaches a handler', async () => {
    const res = await fetch(`${env.ingressUrl}/ping`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ message: 'pong', service: 'handler' });
  });
});
