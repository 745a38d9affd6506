import { sign as octokitSign } from '@octokit/webhooks-methods';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { HEADERS, type FaultAction, type FaultProfile } from '@hookpipe/lib';
import { DROP_LOCATION, type FaultDeps } from './fault-apply.js';
import {
  T0,
  eventBody,
  expectError,
  githubSecret,
  harness,
  secretB,
  post,
  signed,
  stripeSecret,
} from './testing/harness.js';

const stripe = new Stripe('sk_test_unused');
const nowS = Math.floor(T0 / 1000);
const json = { 'content-type': 'application/json' };

async function githubRequest(
  body: string,
  delivery = 'a1b2c3d4-0000-11e3-81ab-4c9367dc0958',
  secret = githubSecret,
) {
  return {
    ...json,
    'X-GitHub-Event': 'issues',
    'X-GitHub-Delivery': delivery,
    'X-Hub-Signature-256': await octokitSign(secret, body),
  };
}

const stripeBody = (id = 'evt_1NG8Du2eZvKYlo2CUI79vXWy') =>
  JSON.stringify({
    id,
    object: 'event',
    type: 'invoice.paid',
    created: nowS,
    data: { object: { id: 'in_1' } },
  });

describe('POST /webhook with the GitHub scheme', () => {
  it('accepts a delivery signed the way GitHub documents it; the delivery id is the message id', async () => {
    const h = await harness();
    const body = JSON.stringify({ action: 'opened', issue: { number: 1 } });
    const res = await post(h, body, await githubRequest(body));
    expect(res.status).toBe(202);
    expect(h.records).toHaveLength(1);
    expect(h.records[0]!.headers).toMatchObject({
      [HEADERS.webhookId]: 'a1b2c3d4-0000-11e3-81ab-4c9367dc0958',
      [HEADERS.eventType]: 'issues',
      [HEADERS.customerId]: 'octo',
      [HEADERS.signatureScheme]: 'github',
    });
    expect(h.records[0]!.headers[HEADERS.signedAt]).toBeUndefined();
    expect(h.records[0]!.value.toString()).toBe(body);
  });

  it('refuses a missing delivery id (400), a wrong secret (401) and a Standard Webhooks secret (401)', async () => {
    const h = await harness();
    const body = JSON.stringify({ action: 'opened' });
    const { 'X-GitHub-Delivery': _d, ...noDelivery } = await githubRequest(body);
    await expectError(await post(h, body, noDelivery), 400, 'missing_signature_headers', /X-GitHub-Delivery/);
    await expectError(
      await post(h, body, await githubRequest(body, 'd1', 'not the secret anyone holds')),
      401,
      'invalid_signature',
    );
    expect(h.records).toHaveLength(0);
  });
});

describe('POST /webhook with the Stripe scheme', () => {
  it("accepts what the stripe library's test header signs; the event id is the message id", async () => {
    const h = await harness();
    const body = stripeBody();
    const header = stripe.webhooks.generateTestHeaderString({
      payload: body,
      secret: stripeSecret,
      timestamp: nowS,
    });
    const res = await post(h, body, { ...json, 'Stripe-Signature': header });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ webhook_id: 'evt_1NG8Du2eZvKYlo2CUI79vXWy' });
    expect(h.records[0]!.headers).toMatchObject({
      [HEADERS.webhookId]: 'evt_1NG8Du2eZvKYlo2CUI79vXWy',
      [HEADERS.eventType]: 'invoice.paid',
      [HEADERS.customerId]: 'stripe-co',
      [HEADERS.signedAt]: String(nowS),
      [HEADERS.signatureScheme]: 'stripe',
    });
  });

  it('refuses t outside the tolerance (401) and a body without an id (400)', async () => {
    const h = await harness();
    const old = stripe.webhooks.generateTestHeaderString({
      payload: stripeBody(),
      secret: stripeSecret,
      timestamp: nowS - 301,
    });
    await expectError(
      await post(h, stripeBody(), { ...json, 'Stripe-Signature': old }),
      401,
      'timestamp_out_of_tolerance',
    );
    const noId = JSON.stringify({ object: 'event', type: 'invoice.paid', data: {} });
    const header = stripe.webhooks.generateTestHeaderString({
      payload: noId,
      secret: stripeSecret,
      timestamp: nowS,
    });
    await expectError(
      await post(h, noId, { ...json, 'Stripe-Signature': header }),
      400,
      'invalid_event',
      /\bid\b/,
    );
    expect(h.records).toHaveLength(0);
  });
});

function faults(profile: FaultProfile | undefined, draws: number[] = [0]) {
  const attempts = new Map<string, number>();
  const recorded: { messageId: string; attempt: number | null; action: FaultAction }[] = [];
  let i = 0;
  const deps: FaultDeps = {
    profiles: { profileFor: (customer) => (customer === 'acme' ? profile : undefined) },
    recorder: {
      count: (customerId, messageId) => {
        const n = (attempts.get(`${customerId}/${messageId}`) ?? 0) + 1;
        attempts.set(`${customerId}/${messageId}`, n);
        return Promise.resolve(n);
      },
      record: (entry) => {
        recorded.push(entry);
        return Promise.resolve();
      },
    },
    clock: () => T0,
    random: () => draws[i++ % draws.length]!,
  };
  return { deps, recorded };
}

describe('receiver fault profiles', () => {
  it('answers 503 + Retry-After on the first two attempts of a message id, then takes it', async () => {
    const f = faults({ status: { share: 1, code: 503, retry_after_s: 2 }, first_attempts: 2 });
    const h = await harness({ faults: f.deps });
    const msg = signed({ id: 'msg_fault_1' });
    for (const attempt of [1, 2]) {
      const res = await post(h, msg.body, msg.headers);
      const err = await expectError(res, 503, 'injected_fault', new RegExp(`attempt ${attempt}`));
      expect(err.message).toMatch(/acme/);
      expect(res.headers.get('retry-after')).toBe('2');
    }
    expect(h.records).toHaveLength(0);
    expect((await post(h, msg.body, msg.headers)).status).toBe(202);
    expect(h.records).toHaveLength(1);
    expect(f.recorded.map((r) => [r.attempt, r.action.kind])).toEqual([
      [1, 'status'],
      [2, 'status'],
      [3, 'pass'],
    ]);
    expect(await h.metrics()).toMatch(/hookpipe_handler_injected_faults_total\{kind="status"[^}]*\} 2/);
  });

  it('leaves other customers alone and records nothing for them', async () => {
    const f = faults({ status: { share: 1, code: 500 } });
    const h = await harness({ faults: f.deps });
    const msg = signed({ secrets: secretB, body: eventBody() });
    expect((await post(h, msg.body, msg.headers)).status).toBe(202);
    expect(f.recorded).toHaveLength(0);
  });

  it('draws status, delay and drop by their shares; a drop asks nginx to close the connection', async () => {
    const profile: FaultProfile = {
      status: { share: 0.25, code: 429, retry_after_s: 1 },
      delay: { share: 0.25, ms: 5 },
      drop: { share: 0.25 },
    };
    const f = faults(profile, [0.1, 0.3, 0.6, 0.9]);
    const h = await harness({ faults: f.deps });
    const statuses: number[] = [];
    for (let n = 0; n < 4; n++) {
      const msg = signed();
      const res = await post(h, msg.body, { ...msg.headers, 'x-hookpipe-ingress': 'nginx' });
      statuses.push(res.status);
      if (n === 2) expect(res.headers.get('x-accel-redirect')).toBe(DROP_LOCATION);
    }
    expect(statuses).toEqual([429, 202, 204, 202]);
    expect(f.recorded.map((r) => r.action.kind)).toEqual(['status', 'delay', 'drop', 'pass']);
    expect(h.records).toHaveLength(2);
  });
});
