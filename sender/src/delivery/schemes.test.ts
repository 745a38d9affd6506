import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { verify as octokitVerify } from '@octokit/webhooks-methods';
import Stripe from 'stripe';
import { Webhook } from 'standardwebhooks';
import { systemClock, type SignatureScheme } from '@hookpipe/lib';
import { schemeBody } from '../model/event-body.js';
import type { FaultKind } from '../model/fault-kinds.js';
import { makeHttpPost } from '@hookpipe/lib';
import { sendAttempt } from './attempt.js';

const URL_ = 'http://receiver.test/hook';
const server = setupServer();
const transport = makeHttpPost({ maxSockets: 4 });
const stripe = new Stripe('sk_test_unused');
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => {
  server.close();
  transport.close();
});

/**
 * A receiver that verifies with the provider's own library (never hookpipe's signing) under
 * `secret`, answering 200 when it verifies and 401 with a body when it does not.
 */
function providerReceiver(scheme: SignatureScheme, secret: string) {
  const seen: { headers: Record<string, string>; verified: boolean }[] = [];
  server.use(
    http.post(URL_, async ({ request }) => {
      const raw = Buffer.from(await request.arrayBuffer());
      const headers = Object.fromEntries(request.headers);
      let verified = false;
      try {
        if (scheme === 'github') {
          verified = await octokitVerify(secret, raw.toString('utf8'), headers['x-hub-signature-256'] ?? '');
        } else if (scheme === 'stripe') {
          verified = stripe.webhooks.constructEvent(raw, headers['stripe-signature'] ?? '', secret).id !== '';
        } else {
          new Webhook(secret).verify(raw, headers);
          verified = true;
        }
      } catch {
        verified = false;
      }
      seen.push({ headers, verified });
      return verified
        ? new HttpResponse(null, { status: 200 })
        : new HttpResponse('{"error":"invalid_signature",\n  "message":"no signature matches"}', {
            status: 401,
          });
    }),
  );
  return seen;
}

const SECRETS: Record<SignatureScheme, { old: string; current: string }> = {
  'standard-webhooks': {
    old: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    current: 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD',
  },
  github: { old: 'the old GitHub secret', current: "It's a Secret to Everybody" },
  stripe: { old: 'whsec_oldStripeEndpointSecret', current: 'whsec_currentStripeEndpointSecret' },
};

const send = (scheme: SignatureScheme, fault: FaultKind | null = null) => {
  const messageId = scheme === 'stripe' ? 'evt_1AbCdEfGhIjKlMnOpQrStUvW' : 'msg_01TEST';
  const body = schemeBody(scheme, messageId, { type: 'order.paid', timestamp: new Date(), data: { a: 1 } });
  return sendAttempt(
    {
      messageId,
      url: URL_,
      body,
      headers: {},
      scheme,
      eventType: 'order.paid',
      // Newest first, as the outbox reads them.
      secrets: [SECRETS[scheme].current, SECRETS[scheme].old],
      fault,
    },
    { post: transport.post, clock: systemClock, timeoutMs: 2000, staleTimestampS: 3600 },
  );
};

describe.each(['standard-webhooks', 'github', 'stripe'] as const)('an attempt under %s', (scheme) => {
  it('is verified by the provider’s library with the newest secret', async () => {
    const seen = providerReceiver(scheme, SECRETS[scheme].current);
    expect(await send(scheme)).toMatchObject({ statusCode: 200, error: null });
    expect(seen[0]?.verified).toBe(true);
  });

  it('during a rotation: the old secret verifies too, except under github (one secret per hook)', async () => {
    const seen = providerReceiver(scheme, SECRETS[scheme].old);
    await send(scheme);
    expect(seen[0]?.verified).toBe(scheme !== 'github');
  });

  it('bad_signature: refused by the library, and last_error says what the receiver answered', async () => {
    const seen = providerReceiver(scheme, SECRETS[scheme].current);
    const sent = await send(scheme, 'bad_signature');
    expect(seen[0]?.verified).toBe(false);
    expect(sent.error).toBe('HTTP 401: {"error":"invalid_signature", "message":"no signature matches"}');
  });
});

describe('scheme headers', () => {
  it('github: X-GitHub-Event is the type and X-GitHub-Delivery the message id', async () => {
    const seen = providerReceiver('github', SECRETS.github.current);
    await send('github');
    expect(seen[0]?.headers).toMatchObject({
      'x-github-event': 'order.paid',
      'x-github-delivery': 'msg_01TEST',
    });
    expect(seen[0]?.headers['webhook-signature']).toBeUndefined();
  });

  it('stripe: one v1 per valid secret; stale_timestamp signs t in the past', async () => {
    const seen = providerReceiver('stripe', SECRETS.stripe.current);
    await send('stripe');
    expect(seen[0]?.headers['stripe-signature']?.match(/v1=/g)?.length).toBe(2);
    await send('stripe', 'stale_timestamp');
    expect(seen[1]?.verified).toBe(false);
    const t = Number(/t=(\d+)/.exec(seen[1]?.headers['stripe-signature'] ?? '')?.[1]);
    expect(Date.now() / 1000 - t).toBeGreaterThan(3500);
  });
});
