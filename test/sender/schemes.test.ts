import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTestEnv, type TestEnv } from '../env.js';
import { startProviderReceiver, type Provider } from './provider-receiver.js';
import { database, emitterOf, pollUntil, register, senderApi, unique, type SenderApi } from './support.js';

let env: TestEnv;
let api: SenderApi;
let senderDb: ReturnType<typeof database>;
let rx: Awaited<ReturnType<typeof startProviderReceiver>>;
const created: string[] = [];

beforeAll(async () => {
  env = await getTestEnv();
  api = senderApi(env);
  senderDb = database(env.senderDatabaseUrl);
  rx = await startProviderReceiver();
});

afterAll(async () => {
  for (const id of created) await api.delete(`/webhooks/${id}`).catch(() => undefined);
  await senderDb?.end();
  await rx?.close();
});

/** Users' own secrets, in each provider's form, and the one each rotates to. */
const OWN: Record<Provider, [string, string]> = {
  'standard-webhooks': ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD'],
  github: ["It's a Secret to Everybody", 'another GitHub secret, rotated in'],
  stripe: ['whsec_ownStripeEndpointSecret0001', 'whsec_ownStripeEndpointSecret0002'],
};

describe.each(['standard-webhooks', 'github', 'stripe'] as const)(
  'the %s scheme, checked by a receiver written from the provider’s docs',
  (scheme) => {
    it('signs every good event so the provider library verifies it, across a rotation, once per message id', async () => {
      const [first, next] = OWN[scheme];
      rx.accept(scheme, first);
      const customer = unique(`schemes-${scheme}`);
      const wh = await register(api, {
        customer_id: customer,
        webhook_url: rx.url(scheme),
        signature_scheme: scheme,
        secret: first,
      });
      created.push(wh.webhook_id);
      expect(wh.secret_token).toBe(first);
      expect(wh).toMatchObject({ signature_scheme: scheme });

      const q = `customer_id=${encodeURIComponent(customer)}&webhook_id=${wh.webhook_id}`;
      const started = await api.post(`/emitter/start?${q}`, {
        rate: 20,
        count: 50,
        // Faults are drawn per event. At 0.1, 50 events carry no bad signature in 1 run of 194
        // (0.9^50, per scheme; it happened once); at 0.25, in 1 of about 1.8 million (0.75^50).
        faults: { duplicate_id: 0.1, bad_signature: 0.25 },
      });
      expect(started.status).toBe(201);

      // Mid-run the user rotates to another secret of their own (the receiver learns it first).
      await pollUntil(async () => (await emitterOf(api, wh.webhook_id)).counters.sent >= 20, {
        timeoutMs: 30_000,
        what: '20 events sent before the rotation',
      });
      rx.accept(scheme, next);
      const rotated = await api.post(`/webhooks/${wh.webhook_id}/rotate-secret`, {
        secret: next,
        grace_seconds: 60,
      });
      expect(rotated.status).toBe(200);
      expect(rotated.json.secret_token).toBe(next);

      const done = await pollUntil(
        async () => {
          const e = await emitterOf(api, wh.webhook_id);
          return e.status === 'completed' && e.counters.pending === 0 ? e : null;
        },
        { timeoutMs: 60_000, what: 'the emitter to complete and its deliveries to finish' },
      );
      const bad = done.counters.faults.bad_signature?.sent ?? 0;
      const dup = done.counters.faults.duplicate_id?.sent ?? 0;
      expect(bad).toBeGreaterThan(0);
      expect(done.counters.failed).toBe(0);

      const delivered = await senderDb.query<{ message_id: string; event_type: string }>(
        `SELECT message_id, event_type FROM deliveries WHERE webhook_id = $1 AND fault IS NULL AND status = 'delivered'`,
        [wh.webhook_id],
      );
      expect(delivered.length).toBe(done.counters.delivered);
      // Every good event verified by the provider's library, seen once per message id; nothing else.
      const firsts = rx.firsts(scheme);
      expect(new Set(firsts.map((f) => f.id))).toEqual(new Set(delivered.map((d) => d.message_id)));
      expect(firsts.length).toBe(delivered.length);
      expect(rx.duplicates(scheme).length).toBe(dup);
      expect(rx.refused(scheme).length).toBe(bad);
      expect(done.counters.faults.bad_signature?.statuses).toEqual({ '401': bad });

      const types = new Map(delivered.map((d) => [d.message_id, d.event_type]));
      for (const f of firsts) {
        expect(f.eventType).toBe(types.get(f.id));
        if (scheme === 'stripe') {
          expect(f.body).toMatchObject({ id: f.id, object: 'event', livemode: false, type: f.eventType });
          expect(f.id).toMatch(/^evt_[0-9A-Za-z]{24}$/);
          expect((f.body as { data: { object: unknown } }).data.object).toEqual(expect.any(Object));
        } else {
          expect(f.body).toMatchObject({ type: f.eventType, data: expect.any(Object) });
        }
      }
    });
  },
);

describe('what a scheme refuses', () => {
  it('400 for a secret of the wrong shape, naming the field; nothing registered', async () => {
    const customer = unique('schemes-bad');
    const res = await api.post('/webhooks', {
      customer_id: customer,
      webhook_url: rx.url('github'),
      signature_scheme: 'github',
      secret: 'short',
    });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({
      error: 'validation_failed',
      details: [{ location: 'body', field: 'secret', message: expect.stringMatching(/16-256 printable/) }],
    });
    const sw = await api.post('/webhooks', {
      customer_id: customer,
      webhook_url: rx.url('github'),
      secret: 'plain',
    });
    expect(sw.status).toBe(400);
    expect((await api.get(`/webhooks?customer_id=${encodeURIComponent(customer)}`)).json.data).toEqual([]);
  });

  it('keeps the scheme fixed, and refuses stale_timestamp for github (it signs no timestamp)', async () => {
    const customer = unique('schemes-fixed');
    const wh = await register(api, {
      customer_id: customer,
      webhook_url: rx.url('github'),
      signature_scheme: 'github',
    });
    created.push(wh.webhook_id);
    expect(wh.secret_token).toMatch(/^[0-9a-f]{64}$/);
    const patched = await api.patch(`/webhooks/${wh.webhook_id}`, { signature_scheme: 'stripe' });
    expect(patched.status).toBe(409);
    expect(JSON.stringify(patched.json)).toMatch(/fixed at registration/);
    expect(patched.json.error).toBe('signature_scheme_fixed');
    const stale = await api.post(
      `/emitter/start?customer_id=${encodeURIComponent(customer)}&webhook_id=${wh.webhook_id}&fault_stale_timestamp=0.5`,
    );
    expect(stale.status).toBe(409);
    expect(JSON.stringify(stale.json)).toMatch(/signs no timestamp/);
    expect(stale.json.error).toBe('fault_unsupported');
  });

  it('409 for a rotation to a secret the webhook’s scheme cannot take; the old secret still signs', async () => {
    const customer = unique('schemes-rotate');
    const wh = await register(api, { customer_id: customer, webhook_url: rx.url('standard-webhooks') });
    created.push(wh.webhook_id);
    // A printable secret fits the document (github and stripe take one), not a standard-webhooks webhook.
    const res = await api.post(`/webhooks/${wh.webhook_id}/rotate-secret`, {
      secret: 'a printable secret, not whsec_',
    });
    expect(res.status).toBe(409);
    expect(res.json).toMatchObject({
      error: 'secret_scheme_mismatch',
      message: expect.stringMatching(/whsec_/),
    });
    const secrets = await senderDb.query<{ expires_at: string | null }>(
      'SELECT expires_at FROM webhook_secrets WHERE webhook_id = $1',
      [wh.webhook_id],
    );
    expect(secrets).toEqual([{ expires_at: null }]);
  });
});
