/**
 * What the end-to-end suites share: a webhook registered at the sender (pointing at the real
 * ingress, so the sender installs its secret on the receiver: linked secrets), emitters driven
 * through the sender's API, and the final reconciliation.
 */
import { expect } from 'vitest';
import { formatReport, reconcileWhenSettled, type ReconcileReport } from '@hookpipe/stack';
import type { TestEnv } from '../env.js';
import { senderApi, waitUntilKnown } from '../support/http.js';
import { pollUntil, unique } from '../support/poll.js';

export interface Webhook {
  customerId: string;
  webhookId: string;
  secret: string;
}

export interface EmitterCounters {
  sent: number;
  delivered: number;
  failed: number;
  retrying: number;
  pending: number;
  faults: Record<string, { sent: number; statuses: Record<string, number> }>;
}

export interface EmitterView {
  emitter_id: string;
  status: string;
  /** The sender instance running it (SENDER_INSTANCE_ID). */
  owner: string | null;
  counters: EmitterCounters;
}

/**
 * Registers a webhook for a new customer on the ingress (the sender installs its secret on the
 * receiver) and waits until every replica knows it.
 */
export async function newWebhook(
  env: TestEnv,
  label: string,
  options: Record<string, unknown> = {},
): Promise<Webhook> {
  const customerId = unique(`e2e-${label}`);
  const res = await senderApi(env).post('/webhooks', {
    customer_id: customerId,
    webhook_url: `${env.ingressUrl}/webhook`,
    ...options,
  });
  if (res.status !== 201)
    throw new Error(`POST /webhooks answered ${res.status}: ${JSON.stringify(res.json)}`);
  const webhook = {
    customerId,
    webhookId: String(res.json.webhook_id),
    secret: String(res.json.secret_token),
  };
  await waitUntilKnown(env.handlerUrls, webhook.secret);
  return webhook;
}

const emitterQuery = (w: Webhook) =>
  `customer_id=${encodeURIComponent(w.customerId)}&webhook_id=${encodeURIComponent(w.webhookId)}`;

/** Starts the webhook's emitter with the given options (rate, count, duration, faults, simulate…). */
export async function startEmitter(
  env: TestEnv,
  w: Webhook,
  options: Record<string, unknown>,
): Promise<EmitterView> {
  const res = await senderApi(env).post(`/emitter/start?${emitterQuery(w)}`, options);
  if (res.status !== 201 && res.status !== 200) {
    throw new Error(`emitter start answered ${res.status}: ${JSON.stringify(res.json)}`);
  }
  return res.json as unknown as EmitterView;
}

export async function stopEmitter(env: TestEnv, w: Webhook): Promise<EmitterView> {
  const res = await senderApi(env).post(`/emitter/stop?${emitterQuery(w)}`);
  if (res.status !== 200) throw new Error(`emitter stop answered ${res.status}: ${JSON.stringify(res.json)}`);
  return res.json as unknown as EmitterView;
}

export async function emitterOf(env: TestEnv, w: Webhook): Promise<EmitterView> {
  const res = await senderApi(env).get(`/emitters?status=all&webhook_id=${encodeURIComponent(w.webhookId)}`);
  const list = (res.json as unknown as { data?: EmitterView[] }).data ?? [];
  if (!list[0]) throw new Error(`no emitter for ${w.webhookId}: ${res.status} ${JSON.stringify(res.json)}`);
  return list[0];
}

/** Waits until the emitter has put at least `n` events in the outbox. */
export async function waitForSent(
  env: TestEnv,
  w: Webhook,
  n: number,
  timeoutMs = 60_000,
): Promise<EmitterView> {
  return pollUntil(
    async () => {
      const e = await emitterOf(env, w);
      return e.counters.sent >= n ? e : undefined;
    },
    { timeoutMs, what: `emitter of ${w.customerId} to send ${n} events`, intervalMs: 200 },
  );
}

/** Waits until the emitter is done (completed or stopped) and nothing of it is pending at the sender. */
export async function waitForDrained(env: TestEnv, w: Webhook, timeoutMs = 120_000): Promise<EmitterView> {
  return pollUntil(
    async () => {
      const e = await emitterOf(env, w);
      return e.status !== 'running' && e.counters.pending === 0 ? e : undefined;
    },
    { timeoutMs, what: `emitter of ${w.customerId} to finish and drain`, intervalMs: 250 },
  );
}

/**
 * Reconciles the customers' events once nothing is missing or pending (or the deadline passes)
 * and asserts the bar: nothing lost, nothing duplicated, nothing unexpected.
 */
export async function expectReconciled(
  env: TestEnv,
  customers: string[],
  options: {
    timeoutMs?: number;
    minDelivered?: number;
    /** Ids the test posted straight to a handler and saw accepted (probes): stored, never sent. */
    probesAccepted?: string[];
  } = {},
): Promise<ReconcileReport> {
  const report = await reconcileWhenSettled(
    { databaseUrl: env.databaseUrl, senderDatabaseUrl: env.senderDatabaseUrl },
    { customers },
    { timeoutMs: options.timeoutMs ?? 90_000, intervalMs: 500 },
  );
  const summary = formatReport(report);
  expect(report.missing, summary).toEqual([]);
  expect(report.duplicated, summary).toEqual([]);
  const probes = new Set(options.probesAccepted ?? []);
  expect(
    report.unexpected.filter((id) => !probes.has(id)),
    summary,
  ).toEqual([]);
  expect(report.pending, summary).toBe(0);
  expect(report.delivered, summary).toBeGreaterThanOrEqual(options.minDelivered ?? 1);
  expect(report.persisted + report.deadLettered, summary).toBe(report.delivered);
  return report;
}

/** Accepted requests per handler replica, from each one's Prometheus metrics. */
export async function acceptedPerReplica(env: TestEnv): Promise<number[]> {
  return Promise.all(
    env.handlerUrls.map(async (url) => {
      const text = await (await fetch(`${url}/metrics`)).text();
      const line = text
        .split('\n')
        .find((l) => l.startsWith('hookpipe_handler_requests_total{') && l.includes('outcome="accepted"'));
      return line ? Number(line.split(' ').pop()) : 0;
    }),
  );
}
