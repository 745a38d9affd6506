import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseScenario } from 'hookpipe';
import { HOST_GATEWAY_NAME, startHookpipe, type Hookpipe } from 'hookpipe/testing';
import { throwawayReceiver } from '../support/throwaway-receiver.js';

/**
 * The testing kit's containers mode, on its own topology (hookpipe's image, Kafka, PostgreSQL),
 * beside the suites' environment: hookpipe's own ingress and receiver, a scenario against a URL
 * on this machine's loopback, and the teardown. Runs with TEST_ENV=containers (make
 * test-containers); examples/receiver's suite covers a user's receiver.
 */
describe.runIf(process.env.TEST_ENV === 'containers')('hookpipe/testing, containers mode', () => {
  let hookpipe: Hookpipe;
  const receiver = throwawayReceiver();
  let port: number;

  beforeAll(async () => {
    port = await receiver.listen();
    hookpipe = await startHookpipe({
      mode: 'containers',
      env: { SENDER_BACKOFF_BASE_MS: '100', SENDER_BACKOFF_CAP_MS: '1000' },
      log: (m) => console.log(`[kit] ${m}`),
    });
  });
  afterAll(async () => {
    await hookpipe?.stop();
    await receiver.close();
  });

  it("delivers to hookpipe's ingress by default, through consumer retries, and reconciles its tables", async () => {
    const webhook = await hookpipe.api.registerWebhook();
    expect(webhook.url).toBe(`${hookpipe.urls.ingress}/webhook`);
    expect(webhook.targetUrl).toBe('http://handler:8090/webhook');
    await hookpipe.api.startEmitter(webhook, { rate: 20, count: 10, simulate: { retry: 0.5 } });
    const deliveries = await hookpipe.api.waitForDelivered(webhook, { count: 10 });
    expect(deliveries.delivered).toHaveLength(10);
    expect(await hookpipe.api.reconcile(webhook)).toEqual({
      ok: true,
      delivered: 10,
      missing: [],
      duplicated: [],
      unexpected: [],
      pending: 0,
    });

    await hookpipe.api.setFaultProfile(webhook, { status: { share: 1, code: 503 }, first_attempts: 1 });
    const profile = await fetch(`${hookpipe.urls.consumer}/faults/${webhook.customerId}`, {
      headers: { 'X-API-Key': hookpipe.keys.receiver },
    });
    expect(profile.status).toBe(200);
    await hookpipe.api.setFaultProfile(webhook, null);
  });

  it('runs a scenario against a receiver on 127.0.0.1, through the gateway', async () => {
    const scenario = parseScenario(
      `name: kit-containers
target: { url: "http://127.0.0.1:${port}/hooks" }
webhooks: [{ name: hooks }]
phases: [{ name: burst, rate: 10, count: 9 }]
expect:
  delivered: { within: 30s }
  answers: { max_4xx: 0, max_no_answer: 0 }
`,
      { file: 'kit-containers.yaml' },
    );
    const report = await hookpipe.api.runScenario(scenario, {
      onWebhook: (w) => receiver.setSecret(w.secret),
    });
    expect(report.outcome, JSON.stringify(report.verdict)).toBe('passed');
    expect(report.target).toBe(`http://${HOST_GATEWAY_NAME}:${port}/hooks`);
    expect(receiver.seen.ids.size).toBe(9);
  });

  it('removes everything on stop(), and a second stop() is fine', async () => {
    await Promise.all([hookpipe.stop(), hookpipe.stop()]);
    await expect(
      fetch(`${hookpipe.urls.sender}/ping`, { signal: AbortSignal.timeout(2000) }),
    ).rejects.toThrow();
  });
});
