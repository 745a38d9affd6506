import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import {
  decodeSecret,
  generateSecret,
  makeHttpPost,
  makeTargetPolicy,
  verify,
  type Clock,
} from '@hookpipe/lib';
import { attemptOperationalDelivery, type ClaimedOperationalDelivery } from './attempt.js';
import { operationalBody } from './events.js';

const URL_ = 'http://operator.test/ops';
const server = setupServer();
const transport = makeHttpPost({ maxSockets: 4 });
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => {
  server.close();
  transport.close();
});

const NOW = 1_700_000_000_000;
const clock: Clock = () => NOW;
const policy = { maxAttempts: 3, baseMs: 1000, capMs: 300_000, retryAfterMaxMs: 3_600_000 };
const secret = generateSecret();
const body = operationalBody(
  {
    type: 'dead_letter.replayed',
    data: { dead_letter_id: 7, event_id: 'msg_x', customer_id: null, event_type: null, replayed_at: 'now' },
  },
  new Date(NOW),
);
const row = (overrides: Partial<ClaimedOperationalDelivery> = {}): ClaimedOperationalDelivery => ({
  id: 1,
  messageId: 'msg_01OPS',
  eventType: 'dead_letter.replayed',
  body,
  attempt: 1,
  url: URL_,
  scheme: 'standard-webhooks',
  secret,
  live: true,
  ...overrides,
});
const targets = makeTargetPolicy(['operator.test'], 'CONSUMER_ALLOWED_HOSTS');
const deps = { post: transport.post, clock, policy, timeoutMs: 2000, targets, random: () => 0 };

function answer(status: number, headers?: Record<string, string>) {
  const seen: { headers: Record<string, string>; body: Buffer }[] = [];
  server.use(
    http.post(URL_, async ({ request }) => {
      seen.push({
        headers: Object.fromEntries(request.headers),
        body: Buffer.from(await request.arrayBuffer()),
      });
      return new HttpResponse(status === 200 ? null : 'not now', { status, headers });
    }),
  );
  return seen;
}

describe('one operational delivery attempt', () => {
  it('is signed like any webhook: the project’s verifier accepts it under the endpoint’s secret', async () => {
    const seen = answer(200);
    const outcome = await attemptOperationalDelivery(row(), deps);
    expect(outcome).toMatchObject({ kind: 'attempted', decision: { kind: 'delivered' } });
    const got = seen[0]!;
    expect(got.body.equals(body)).toBe(true);
    expect(got.headers['webhook-id']).toBe('msg_01OPS');
    const checked = verify({
      headers: {
        id: got.headers['webhook-id'],
        timestamp: got.headers['webhook-timestamp'],
        signature: got.headers['webhook-signature'],
      },
      body: got.body,
      keys: [{ key: decodeSecret(secret)! }],
      now: NOW / 1000,
    });
    expect(checked.ok).toBe(true);
  });

  it('retries a 503 no sooner than its Retry-After, and fails after the last attempt', async () => {
    answer(503, { 'Retry-After': '30' });
    const first = await attemptOperationalDelivery(row(), deps);
    expect(first).toMatchObject({ kind: 'attempted', decision: { kind: 'retry', at: NOW + 30_000 } });
    const last = await attemptOperationalDelivery(row({ attempt: 3 }), deps);
    expect(last).toMatchObject({
      kind: 'attempted',
      sent: { statusCode: 503, error: 'HTTP 503: not now' },
      decision: { kind: 'failed', reason: 'gave up after 3 attempt(s); last: HTTP 503' },
    });
  });

  it('sends nothing to a URL the allow-list no longer holds, and fails the delivery saying why', async () => {
    const seen = answer(200);
    const narrowed = makeTargetPolicy(['localhost'], 'CONSUMER_ALLOWED_HOSTS');
    const outcome = await attemptOperationalDelivery(row(), { ...deps, targets: narrowed });
    expect(seen).toHaveLength(0);
    expect(outcome).toMatchObject({
      kind: 'attempted',
      sent: { statusCode: null, error: expect.stringContaining('CONSUMER_ALLOWED_HOSTS') as unknown },
      decision: { kind: 'failed', reason: expect.stringContaining('operator.test') as unknown },
    });
  });

  it('sends nothing to an endpoint removed since the delivery was enqueued', async () => {
    expect(await attemptOperationalDelivery(row({ live: false }), deps)).toEqual({ kind: 'canceled' });
  });
});
