import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signatureHeaders } from '@hookpipe/lib';
import { getTestEnv, type PartName, type TestEnv } from '../env.js';
import { database, waitReady } from '../support/http.js';
import { mapLimit, unique } from '../support/poll.js';
import { expectReconciled, newWebhook, startEmitter, waitForDrained } from './scenario.js';

// A low per-customer limit for the whole tier, so a modest burst goes over it.
const LOW_LIMIT = { HANDLER_CUSTOMER_RATE: '30', HANDLER_CUSTOMER_BURST: '30' };

let env: TestEnv;
let handlers: PartName[];

async function restartHandlers(overrides?: Record<string, string>) {
  for (const part of handlers) {
    await env.stopPart(part);
    await env.startPart(part, overrides ? { env: overrides } : {});
  }
  await waitReady(env.handlerUrls);
}

beforeAll(async () => {
  env = await getTestEnv();
  handlers = env.handlerUrls.map((_, i) => `handler-${i + 1}` as const);
  await restartHandlers(LOW_LIMIT);
});
afterAll(async () => {
  await restartHandlers();
});

describe('a burst above the rate limit', () => {
  it("gets 429s with Retry-After, and the sender's retries still deliver everything", async () => {
    // Two customers: one hit straight through nginx (not through the sender, so it stays out of
    // the reconciliation), one driven by the sender's emitter.
    const [direct, w] = await Promise.all([newWebhook(env, 'rate-burst'), newWebhook(env, 'rate-limit')]);

    // Straight through nginx: past the burst, 429 + Retry-After + the JSON error.
    const burst = await mapLimit(
      Array.from({ length: 120 }, (_, i) => i),
      16,
      async () => {
        const body = JSON.stringify({ type: 'order.created', timestamp: new Date().toISOString(), data: {} });
        const res = await fetch(`${env.ingressUrl}/webhook`, {
          method: 'POST',
          body,
          headers: {
            'content-type': 'application/json',
            ...signatureHeaders({
              id: unique('msg_burst'),
              timestamp: Math.floor(Date.now() / 1000),
              body,
              secrets: direct.secret,
            }),
          },
        });
        return {
          status: res.status,
          retryAfter: res.headers.get('retry-after'),
          json: (await res.json()) as { error?: string },
        };
      },
    );
    const limited = burst.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    for (const r of limited) {
      expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(r.json.error).toBe('rate_limited');
    }
    expect(burst.every((r) => r.status === 202 || r.status === 429)).toBe(true);

    // The sender's emitter at several times the limit: it is throttled, retries after the
    // Retry-After it is given, and delivers every event once.
    const count = 300;
    await startEmitter(env, w, { rate: 100, count });
    const done = await waitForDrained(env, w, 120_000);
    expect(done.counters).toMatchObject({ sent: count, delivered: count, failed: 0 });
    const senderDb = database(env.senderDatabaseUrl);
    try {
      const throttled = await senderDb.count(
        'SELECT count(*) FROM delivery_attempts WHERE webhook_id = $1 AND status_code = 429',
        [w.webhookId],
      );
      expect(throttled, 'the emitter must have been throttled at least once').toBeGreaterThan(0);
    } finally {
      await senderDb.end();
    }
    await expectReconciled(env, [w.customerId], { minDelivered: count });
  });
});
