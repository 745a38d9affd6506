import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHookpipe, type Hookpipe } from 'hookpipe/testing';
import { getTestEnv, localStackOptions, type TestEnv } from '../env.js';
import { throwawayReceiver } from '../support/throwaway-receiver.js';

/**
 * The testing kit's local mode against the suites' own stack (already up): it is found and used,
 * and left running by stop(). The containers mode is proven by examples/receiver's suite.
 */
describe.runIf(process.env.TEST_ENV !== 'containers')('hookpipe/testing, local mode', () => {
  let env: TestEnv;
  let hookpipe: Hookpipe;
  const receiver = throwawayReceiver();
  let port: number;

  beforeAll(async () => {
    env = await getTestEnv();
    port = await receiver.listen();
    hookpipe = await startHookpipe({ mode: 'local', stackDir: localStackOptions().STACK_DIR });
  });
  afterAll(async () => {
    await hookpipe?.stop();
    await receiver.close();
  });

  it('finds the running stack and gives its URLs and keys', () => {
    expect(hookpipe.mode).toBe('local');
    expect(hookpipe.urls).toEqual({
      sender: env.senderUrl,
      ingress: env.ingressUrl,
      consumer: env.consumerUrl,
    });
    expect(hookpipe.keys).toEqual({ sender: env.senderApiKey, receiver: env.receiverApiKey });
    expect(hookpipe.databases).toEqual({ sender: env.senderDatabaseUrl, receiver: env.databaseUrl });
  });

  it('registers a webhook at a throwaway receiver, emits, waits for every delivery and reconciles', async () => {
    const webhook = await hookpipe.api.registerWebhook({ url: `http://127.0.0.1:${port}/hooks` });
    expect(webhook.targetUrl).toBe(webhook.url);
    receiver.setSecret(webhook.secret);
    const emitter = await hookpipe.api.startEmitter(webhook, { rate: 20, count: 12 });
    expect(emitter.status).toBe('running');

    const deliveries = await hookpipe.api.waitForDelivered(webhook, { count: 12, timeoutMs: 60_000 });
    expect(deliveries.delivered).toHaveLength(12);
    expect(deliveries.pending).toBe(0);
    // The first attempt of every third message was answered 500 and retried with the same message id.
    expect(receiver.seen.answered500).toBe(4);
    expect(deliveries.rows.reduce((n, r) => n + r.attempts, 0)).toBe(12 + receiver.seen.answered500);

    const check = await hookpipe.api.reconcile(webhook, { stored: [...receiver.seen.ids] });
    expect(check).toEqual({
      ok: true,
      delivered: 12,
      missing: [],
      duplicated: [],
      unexpected: [],
      pending: 0,
    });
    const short = await hookpipe.api.reconcile(webhook, { stored: [...receiver.seen.ids].slice(1) });
    expect(short.ok).toBe(false);
    expect(short.missing).toHaveLength(1);
  });

  it("delivers to hookpipe's own ingress by default, through a fault profile, and reconciles its tables", async () => {
    const webhook = await hookpipe.api.registerWebhook();
    expect(webhook.url).toBe(`${env.ingressUrl}/webhook`);
    const profile = () =>
      fetch(`${env.consumerUrl}/faults/${webhook.customerId}`, {
        headers: { 'X-API-Key': env.receiverApiKey },
      });
    // Whether the replicas have it yet when the event comes is not the point: either way it arrives.
    await hookpipe.api.setFaultProfile(webhook, { first_attempts: 1, status: { share: 1, code: 503 } });
    expect((await profile()).status).toBe(200);
    const { messageId } = await hookpipe.api.trigger(webhook, { type: 'order.created' });

    const deliveries = await hookpipe.api.waitForDelivered(webhook, { count: 1 });
    expect(deliveries.delivered).toEqual([messageId]);
    expect(deliveries.rows[0]).toMatchObject({ status: 'delivered', last_status_code: 202 });
    await hookpipe.api.setFaultProfile(webhook, null);
    expect((await profile()).status).toBe(404);

    expect(await hookpipe.api.reconcile(webhook)).toEqual({
      ok: true,
      delivered: 1,
      missing: [],
      duplicated: [],
      unexpected: [],
      pending: 0,
    });
  });

  it('runs a scenario and leaves the stack it found running after stop()', async () => {
    const report = await hookpipe.api.runScenario({
      name: 'kit-local',
      target: 'stack',
      webhooks: [{ name: 'hooks' }],
      phases: [{ name: 'burst', rate: 10, count: 5 }],
      expect: { delivered: { within: '30s' }, exactly_once: true },
    });
    expect(report.outcome, JSON.stringify(report.verdict)).toBe('passed');

    await hookpipe.stop();
    await hookpipe.stop();
    expect((await fetch(`${env.senderUrl}/ping`)).ok).toBe(true);
  });
});
