import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { http, HttpResponse, delay } from 'msw';
import { setupServer } from 'msw/node';
import { Webhook } from 'standardwebhooks';
import {
  generateSecret,
  makeHttpPost,
  systemClock,
  type Clock,
  makeTargetPolicy,
  DEFAULT_ALLOWED_HOSTS,
} from '@hookpipe/lib';
import { makeSecretBox } from '../secrets.js';
import type { ClaimedDelivery, Completion } from '../model/delivery.js';
import { processDelivery, type ProcessDeps } from './process.js';

const URL_ = 'http://receiver.test/webhook';
const server = setupServer();
const transport = makeHttpPost({ maxSockets: 16 });
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => {
  server.close();
  transport.close();
});

interface Seen {
  at: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** A receiver that answers from a script, one entry per request, and records what it got. */
function receiver(clock: Clock, script: ((req: Request) => Response | Promise<Response>)[]): Seen[] {
  const seen: Seen[] = [];
  server.use(
    http.post(URL_, async ({ request }) => {
      const at = clock();
      const body = Buffer.from(await request.arrayBuffer());
      seen.push({ at, headers: Object.fromEntries(request.headers), body });
      const next = script[Math.min(seen.length - 1, script.length - 1)];
      if (!next) throw new Error('no scripted answer');
      return next(request);
    }),
  );
  return seen;
}

const status = (code: number, headers?: Record<string, string>) => () =>
  new HttpResponse(code >= 200 && code < 300 ? null : `answer ${code}`, { status: code, headers });

function steeredClock(start = 1_700_000_000_000) {
  const state = { now: start };
  return { state, clock: (() => state.now) as Clock };
}

function makeDeps(clock: Clock, overrides: Partial<ProcessDeps> = {}): ProcessDeps {
  return {
    post: transport.post,
    clock,
    secretBox: makeSecretBox(null),
    targets: makeTargetPolicy([...DEFAULT_ALLOWED_HOSTS, 'receiver.test'], 'SENDER_ALLOWED_HOSTS'),
    policy: { maxAttempts: 5, baseMs: 1000, capMs: 60_000, retryAfterMaxMs: 3_600_000 },
    timeoutMs: 2000,
    staleTimestampS: 3600,
    random: () => 0.5,
    ...overrides,
  };
}

function claimed(secrets: string[], overrides: Partial<ClaimedDelivery> = {}): ClaimedDelivery {
  return {
    id: '1',
    token: 'tok',
    messageId: 'msg_01TEST',
    webhookId: 'wh_test',
    customerId: 'cust',
    emitterId: null,
    url: URL_,
    headers: {},
    scheme: 'standard-webhooks',
    eventType: 'order.created',
    secrets,
    body: Buffer.from('{"type":"order.created","timestamp":"2024-01-01T00:00:00.000Z","data":{"a":"é"}}'),
    fault: null,
    attempt: 1,
    caps: { webhook: 32, emitter: null },
    ...overrides,
  };
}

/**
 * Plays the worker's part: attempt, and when the decision is a retry, wait (steer the clock)
 * until it is due and claim it again as the next attempt.
 */
async function untilDone(row: ClaimedDelivery, deps: ProcessDeps, state: { now: number }) {
  const done: Completion[] = [];
  for (let attempt = 1; attempt <= 20; attempt++) {
    const c = await processDelivery({ ...row, attempt }, deps);
    done.push(c);
    if (c.decision.kind !== 'retry') return done;
    state.now = c.decision.at;
  }
  throw new Error('no final decision after 20 attempts');
}

describe('delivery against a receiver (msw)', () => {
  const secret = generateSecret();

  it('200: one attempt, delivered', async () => {
    const { state, clock } = steeredClock();
    const seen = receiver(clock, [status(200)]);
    const done = await untilDone(claimed([secret]), makeDeps(clock), state);
    expect(done.map((d) => d.decision.kind)).toEqual(['delivered']);
    expect(seen).toHaveLength(1);
    expect(done[0]).toMatchObject({ statusCode: 200, error: null, attempt: 1 });
  });

  it('500, 500, 200: three attempts, delivered, same webhook-id and bytes, fresh timestamps', async () => {
    // Half a second past a whole second, with the longest jitter: the attempts fall in three
    // different seconds, so a reused timestamp would show.
    const { state, clock } = steeredClock(1_700_000_000_500);
    const seen = receiver(clock, [status(500), status(500), status(200)]);
    const row = claimed([secret]);
    const done = await untilDone(row, makeDeps(clock, { random: () => 0.999 }), state);
    expect(done.map((d) => d.decision.kind)).toEqual(['retry', 'retry', 'delivered']);
    expect(done.map((d) => d.statusCode)).toEqual([500, 500, 200]);
    expect(done[0]?.responseExcerpt).toBe('answer 500');
    expect(seen).toHaveLength(3);
    expect(new Set(seen.map((s) => s.headers['webhook-id']))).toEqual(new Set([row.messageId]));
    for (const s of seen) expect(s.body.equals(row.body)).toBe(true);
    // Signed afresh: each attempt carries the time it was sent, not the first attempt's.
    expect(seen.map((s) => Number(s.headers['webhook-timestamp']))).toEqual(
      seen.map((s) => Math.floor(s.at / 1000)),
    );
    expect(seen[2]!.at).toBeGreaterThan(seen[0]!.at);
    expect(new Set(seen.map((s) => s.headers['webhook-signature'])).size).toBe(3);
  });

  it('429 with Retry-After: 2: the next attempt is not before 2 s', async () => {
    const { state, clock } = steeredClock();
    const seen = receiver(clock, [status(429, { 'Retry-After': '2' }), status(200)]);
    // random 0 = no backoff at all, so only Retry-After can hold the retry back.
    const done = await untilDone(claimed([secret]), makeDeps(clock, { random: () => 0 }), state);
    expect(done.map((d) => d.decision.kind)).toEqual(['retry', 'delivered']);
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(2000);
  });

  it('a timeout is retried', async () => {
    const { state, clock } = steeredClock();
    const seen = receiver(clock, [
      async () => {
        await delay('infinite');
        return new HttpResponse(null, { status: 200 });
      },
      status(204),
    ]);
    const done = await untilDone(claimed([secret]), makeDeps(clock, { timeoutMs: 50 }), state);
    expect(done.map((d) => d.decision.kind)).toEqual(['retry', 'delivered']);
    expect(done[0]).toMatchObject({ statusCode: null, error: 'timeout after 50 ms' });
    expect(seen).toHaveLength(2);
  });

  it('a refused connection is retried', async () => {
    const { state, clock } = steeredClock();
    const seen = receiver(clock, [() => HttpResponse.error(), status(200)]);
    const done = await untilDone(claimed([secret]), makeDeps(clock), state);
    expect(done.map((d) => d.decision.kind)).toEqual(['retry', 'delivered']);
    expect(done[0]?.error).toMatch(/^network error/);
    expect(seen).toHaveLength(2);
  });

  it.each([400, 401, 403, 404, 410, 413, 415])('%i is a final failure after one attempt', async (code) => {
    const { state, clock } = steeredClock();
    const seen = receiver(clock, [status(code), status(200)]);
    const done = await untilDone(claimed([secret]), makeDeps(clock), state);
    expect(done.map((d) => d.decision.kind)).toEqual(['failed']);
    expect(seen).toHaveLength(1);
  });

  it('503 every time: fails after max attempts, each one with the same webhook-id', async () => {
    const { state, clock } = steeredClock();
    const seen = receiver(clock, [status(503)]);
    const done = await untilDone(claimed([secret]), makeDeps(clock), state);
    expect(done.map((d) => d.decision.kind)).toEqual(['retry', 'retry', 'retry', 'retry', 'failed']);
    expect(seen.map((s) => s.headers['webhook-id'])).toEqual(Array(5).fill('msg_01TEST'));
  });

  it('sends the webhook custom headers without letting them replace ours', async () => {
    const { state, clock } = steeredClock();
    const seen = receiver(clock, [status(200)]);
    await untilDone(claimed([secret], { headers: { 'x-tenant': 'acme' } }), makeDeps(clock), state);
    expect(seen[0]!.headers['x-tenant']).toBe('acme');
    expect(seen[0]!.headers['content-type']).toBe('application/json');
  });

  it('refuses a target outside the allow-list without sending', async () => {
    const { state, clock } = steeredClock();
    const done = await untilDone(
      claimed([secret], { url: 'http://elsewhere.test/hook' }),
      makeDeps(clock),
      state,
    );
    expect(done).toHaveLength(1);
    expect(done[0]!.decision).toMatchObject({ kind: 'failed' });
    expect(done[0]!.error).toMatch(/allow-list/);
  });
});

describe('signatures (verified with the standardwebhooks package)', () => {
  const deps = () => makeDeps(systemClock);
  const run = async (row: ClaimedDelivery) => {
    const seen = receiver(systemClock, [status(200)]);
    await processDelivery(row, deps());
    return seen[0]!;
  };

  it('verifies under the webhook secret', async () => {
    const secret = generateSecret();
    const row = claimed([secret]);
    const got = await run(row);
    expect(new Webhook(secret).verify(got.body.toString('utf8'), got.headers)).toMatchObject({
      type: 'order.created',
    });
  });

  it('verifies under a sealed secret once opened', async () => {
    const secret = generateSecret();
    const box = makeSecretBox(Buffer.alloc(32, 7));
    const seen = receiver(systemClock, [status(200)]);
    await processDelivery(claimed([box.seal(secret)]), { ...deps(), secretBox: box });
    expect(() => new Webhook(secret).verify(seen[0]!.body.toString('utf8'), seen[0]!.headers)).not.toThrow();
  });

  it('during a rotation, verifies under the old secret and under the new one', async () => {
    const [newer, older] = [generateSecret(), generateSecret()];
    const got = await run(claimed([newer, older]));
    expect(got.headers['webhook-signature']?.split(' ')).toHaveLength(2);
    for (const s of [newer, older]) {
      expect(() => new Webhook(s).verify(got.body.toString('utf8'), got.headers)).not.toThrow();
    }
  });

  it('bad_signature fault: well-formed, but under no key the receiver holds', async () => {
    const secret = generateSecret();
    const got = await run(claimed([secret], { fault: 'bad_signature' }));
    expect(got.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(() => new Webhook(secret).verify(got.body.toString('utf8'), got.headers)).toThrow(
      'No matching signature found',
    );
  });

  it('stale_timestamp fault: correctly signed, an hour old', async () => {
    const secret = generateSecret();
    const got = await run(claimed([secret], { fault: 'stale_timestamp' }));
    expect(Math.floor(Date.now() / 1000) - Number(got.headers['webhook-timestamp'])).toBeGreaterThanOrEqual(
      3600,
    );
    expect(() => new Webhook(secret).verify(got.body.toString('utf8'), got.headers)).toThrow(
      'Message timestamp too old',
    );
  });
});
