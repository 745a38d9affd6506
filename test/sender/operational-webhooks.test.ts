/**
 * Operational webhooks, end to end on the running sender: endpoints of the operator's own
 * (HTTP servers of this test) get `message.attempt.exhausted`, `endpoint.disabled` (manual and
 * automatic) and `endpoint.enabled` as customers' webhooks fail and change, each verified with
 * the project's verifier of the endpoint's scheme; a failing operational endpoint is retried and
 * its attempts recorded, and raises no operational event itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  schemeKey,
  unixSeconds,
  verify,
  verifyGithub,
  verifyStripe,
  type SignatureScheme,
} from '@hookpipe/lib';
import { getTestEnv, type TestEnv } from '../env.js';
import {
  pollUntil,
  register,
  restartSender,
  senderApi,
  startReceiver,
  unique,
  type Received,
  type SenderApi,
} from './support.js';

let env: TestEnv;
let api: SenderApi;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  env = await getTestEnv();
  api = senderApi(env);
  // A 2 s disable window and fast retries instead of 1 h and 1 s, restored after the suite.
  await restartSender(env, {
    env: {
      SENDER_DISABLE_AFTER_S: '2',
      SENDER_BACKOFF_BASE_MS: '200',
      SENDER_BACKOFF_CAP_MS: '1000',
      SENDER_MAX_ATTEMPTS: '100',
    },
  });
});

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  await restartSender(env);
});

interface OpEvent {
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

/** Checks the request's signature with lib's verifier of `scheme`; answers the event. */
function verified(scheme: SignatureScheme, secret: string, r: Received): OpEvent {
  const keys = [{ key: schemeKey(scheme, secret)! }];
  const h = (name: string) => (r.headers[name] as string | undefined) ?? null;
  const now = unixSeconds(Date.now);
  const result =
    scheme === 'github'
      ? verifyGithub({
          headers: {
            signature: h('x-hub-signature-256'),
            event: h('x-github-event'),
            delivery: h('x-github-delivery'),
          },
          body: r.body,
          keys,
        })
      : scheme === 'stripe'
        ? verifyStripe({ header: h('stripe-signature'), body: r.body, keys, now })
        : verify({
            headers: {
              id: h('webhook-id'),
              timestamp: h('webhook-timestamp'),
              signature: h('webhook-signature'),
            },
            body: r.body,
            keys,
            now,
          });
  expect(result.ok, JSON.stringify(result)).toBe(true);
  return JSON.parse(r.body.toString('utf8')) as OpEvent;
}

async function addEndpoint(url: string, body: Record<string, unknown> = {}) {
  const res = await api.post('/operational-webhooks', { url, ...body });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  const id = String(res.json.id);
  cleanups.push(() => api.delete(`/operational-webhooks/${id}`));
  return { id, secret: String(res.json.secret), json: res.json };
}

/** A customer's webhook at a server of this test answering `status` to everything. */
async function customerWebhook(status: number) {
  const rx = await startReceiver(() => ({ status }));
  cleanups.push(() => rx.close());
  const wh = await register(api, { customer_id: unique('ops'), webhook_url: rx.url });
  cleanups.push(() => api.delete(`/webhooks/${wh.webhook_id}`));
  const trigger = async () => {
    const res = await api.post(`/webhooks/${wh.webhook_id}/trigger`, { type: 'order.created' });
    expect(res.status).toBe(202);
    return (res.json.deliveries as { message_id: string }[])[0]!.message_id;
  };
  return { wh, trigger };
}

describe('operational webhooks', () => {
  it('deliver each event, signed under each scheme, and retry a failing endpoint', async () => {
    const all = await startReceiver(() => ({ status: 204 }));
    // Fails the first two attempts of each message (retried like any delivery), then takes it.
    const flaky = await startReceiver((nth) => ({ status: nth <= 2 ? 503 : 200 }));
    const stripe = await startReceiver(() => ({ status: 200 }));
    // Fails every message for good: a failed operational delivery must raise nothing.
    const broken = await startReceiver((nth) => ({ status: nth === 1 ? 500 : 400 }));
    for (const rx of [all, flaky, stripe, broken]) cleanups.push(() => rx.close());

    const opAll = await addEndpoint(all.url, { description: 'on call' });
    expect(opAll.json).toMatchObject({
      url: all.url,
      signature_scheme: 'standard-webhooks',
      event_types: ['*'],
      description: 'on call',
      active: true,
    });
    expect(opAll.secret).toMatch(/^whsec_/);
    expect(opAll.id).toMatch(/^opwh_/);
    const opFlaky = await addEndpoint(flaky.url, {
      signature_scheme: 'github',
      secret: 'a github secret of ours',
      event_types: ['endpoint.enabled'],
    });
    const opStripe = await addEndpoint(stripe.url, {
      signature_scheme: 'stripe',
      event_types: ['message.attempt.exhausted', 'endpoint.disabled'],
    });
    const opBroken = await addEndpoint(broken.url);

    // Never shown again, and never among customers' webhooks.
    const listed = await api.get('/operational-webhooks');
    expect(JSON.stringify(listed.json)).not.toContain(opAll.secret);
    expect((listed.json.data as { id: string }[]).map((w) => w.id)).toEqual(
      expect.arrayContaining([opAll.id, opFlaky.id, opStripe.id, opBroken.id]),
    );
    const customers = await api.get('/webhooks?limit=500');
    expect(JSON.stringify(customers.json)).not.toContain('opwh_');

    // message.attempt.exhausted: a 400 is not retried, the delivery fails at once.
    const refusing = await customerWebhook(400);
    const msg = await refusing.trigger();
    const eventsAt = (rx: typeof all, scheme: SignatureScheme, secret: string) =>
      rx.seen.filter((r) => r.status >= 200 && r.status < 300).map((r) => verified(scheme, secret, r));
    const exhausted = await pollUntil(
      () => eventsAt(all, 'standard-webhooks', opAll.secret).find((e) => e.data.message_id === msg) ?? null,
      { timeoutMs: 20_000, what: 'message.attempt.exhausted' },
    );
    expect(exhausted).toMatchObject({
      type: 'message.attempt.exhausted',
      data: {
        webhook_id: refusing.wh.webhook_id,
        customer_id: refusing.wh.customer_id,
        event_type: 'order.created',
        attempts: 1,
        last_status_code: 400,
        failed_at: expect.any(String),
      },
    });
    expect(exhausted.data.event_id).toMatch(/^evt_/);
    expect(Date.parse(exhausted.timestamp)).not.toBeNaN();
    await pollUntil(
      () => eventsAt(stripe, 'stripe', opStripe.secret).find((e) => e.data.message_id === msg) ?? null,
      { timeoutMs: 20_000, what: 'message.attempt.exhausted under the stripe scheme' },
    );

    // endpoint.disabled (manual), then endpoint.enabled, through PATCH.
    const { webhook_id: wid } = refusing.wh;
    expect((await api.patch(`/webhooks/${wid}`, { active: false })).status).toBe(200);
    expect((await api.patch(`/webhooks/${wid}`, { active: true })).status).toBe(200);
    const about = (rx: typeof all, scheme: SignatureScheme, secret: string, type: string) =>
      eventsAt(rx, scheme, secret).find((e) => e.type === type && e.data.webhook_id === wid) ?? null;
    const manual = await pollUntil(() => about(all, 'standard-webhooks', opAll.secret, 'endpoint.disabled'), {
      timeoutMs: 20_000,
      what: 'endpoint.disabled (manual)',
    });
    expect(manual.data).toMatchObject({
      customer_id: refusing.wh.customer_id,
      url: refusing.wh.webhook_url,
      trigger: 'manual',
      reason: 'disabled by request',
      disabled_at: expect.any(String),
    });
    const enabled = await pollUntil(() => about(all, 'standard-webhooks', opAll.secret, 'endpoint.enabled'), {
      timeoutMs: 20_000,
      what: 'endpoint.enabled',
    });
    expect(enabled.data).toEqual({
      webhook_id: wid,
      customer_id: refusing.wh.customer_id,
      url: refusing.wh.webhook_url,
      enabled_at: expect.any(String),
    });

    // The flaky endpoint got endpoint.enabled on its third attempt, each attempt recorded.
    const viaFlaky = await pollUntil(() => about(flaky, 'github', opFlaky.secret, 'endpoint.enabled'), {
      timeoutMs: 30_000,
      what: 'endpoint.enabled on the flaky endpoint',
    });
    expect(viaFlaky.data.webhook_id).toBe(wid);
    const flakyDeliveries = await api.get(`/operational-webhooks/${opFlaky.id}/deliveries`);
    const [d] = flakyDeliveries.json.data as { message_id: string; status: string; attempts: number }[];
    expect(d).toMatchObject({ status: 'delivered', attempts: 3, event_type: 'endpoint.enabled' });
    // GitHub's scheme sends the message id as X-GitHub-Delivery.
    const tries = flaky.seen.filter((r) => r.headers['x-github-delivery'] === d!.message_id);
    expect(tries.map((r) => r.status)).toEqual([503, 503, 200]);
    const log = await api.get(`/events/${d!.message_id}/attempts`);
    const attempts = (
      log.json.deliveries as { attempt_log: { status_code: number; outcome: string }[] }[]
    )[0]!.attempt_log;
    expect(attempts.map((a) => [a.status_code, a.outcome])).toEqual([
      [503, 'retry'],
      [503, 'retry'],
      [200, 'delivered'],
    ]);
    // Not subscribed to it: the flaky endpoint never got the others.
    expect(flaky.seen.every((r) => r.headers['x-github-event'] === 'endpoint.enabled')).toBe(true);

    // endpoint.disabled (automatic): a webhook failing for longer than the 2 s window.
    const failing = await customerWebhook(503);
    await failing.trigger();
    const automatic = await pollUntil(
      () =>
        eventsAt(all, 'standard-webhooks', opAll.secret).find(
          (e) => e.type === 'endpoint.disabled' && e.data.webhook_id === failing.wh.webhook_id,
        ) ?? null,
      { timeoutMs: 30_000, what: 'endpoint.disabled (automatic)' },
    );
    expect(automatic.data).toMatchObject({
      trigger: 'automatic',
      failing_since: expect.any(String),
      reason: expect.stringMatching(/^deliveries kept failing since /),
    });

    // The broken endpoint: each message tried (500, then a final 400) and recorded as failed ...
    const brokenDeliveries = await pollUntil(
      async () => {
        const res = await api.get(`/operational-webhooks/${opBroken.id}/deliveries?status=failed`);
        const list = res.json.data as { attempts: number; last_status_code: number; last_error: string }[];
        return list.length >= 2 ? list : null;
      },
      { timeoutMs: 30_000, what: 'the broken endpoint’s deliveries to fail' },
    );
    expect(brokenDeliveries[0]).toMatchObject({ attempts: 2, last_status_code: 400 });
    // ... and neither its failures nor anything else about it raised an operational event.
    const aboutOps = eventsAt(all, 'standard-webhooks', opAll.secret).filter((e) =>
      String(e.data.webhook_id).startsWith('opwh_'),
    );
    expect(aboutOps).toEqual([]);
  });

  it('removing an endpoint cancels what it had not delivered, and keeps its history', async () => {
    const silent = await startReceiver(() => 'hold');
    cleanups.push(() => silent.close());
    const op = await addEndpoint(silent.url, { event_types: ['endpoint.disabled'] });
    const { wh } = await customerWebhook(200);
    expect((await api.patch(`/webhooks/${wh.webhook_id}`, { active: false })).status).toBe(200);
    const [pending] = await pollUntil(
      async () => {
        const res = await api.get(`/operational-webhooks/${op.id}/deliveries`);
        const list = res.json.data as { message_id: string }[];
        return list.length > 0 ? list : null;
      },
      { timeoutMs: 10_000, what: 'a delivery to the endpoint' },
    );
    expect((await api.delete(`/operational-webhooks/${op.id}`)).status).toBe(204);
    expect((await api.get(`/operational-webhooks/${op.id}`)).status).toBe(404);
    expect((await api.delete(`/operational-webhooks/${op.id}`)).status).toBe(404);
    const canceled = await pollUntil(
      async () => {
        const res = await api.get(`/events/${pending!.message_id}/attempts`);
        const d = (res.json.deliveries as { status: string; event_type: string }[] | undefined)?.[0];
        return d?.status === 'canceled' ? d : null;
      },
      { timeoutMs: 30_000, what: 'the pending delivery to be canceled' },
    );
    expect(canceled.event_type).toBe('endpoint.disabled');
  });
});
