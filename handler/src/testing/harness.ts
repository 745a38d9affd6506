import { expect } from 'vitest';
import { makeRegistry, generateSecret, signatureHeaders, silentLogger, type Logger } from '@hookpipe/lib';
import { makeApp } from '../app.js';
import type { FaultDeps } from '../fault-apply.js';
import type { SubmitOutcome } from '../batcher.js';
import { makeKeyring, type Keyring, type SecretRow } from '../keyring.js';
import { makeHandlerMetrics } from '../metrics.js';
import { makeRateLimiter } from '../rate-limit.js';
import type { OutRecord } from '../webhook.js';

/** Test-only: an app over an in-memory keyring, a steerable clock and a recording Kafka stand-in. */

export const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);
export const secretA = generateSecret();
export const secretA2 = generateSecret();
export const secretB = generateSecret();
export const stranger = generateSecret();
export const githubSecret = 'a GitHub-style secret, spaces allowed';
export const stripeSecret = 'whsec_stripeStyleSecret0123456789abcd';

export interface Harness {
  app: ReturnType<typeof makeApp>;
  records: OutRecord[];
  now: { ms: number };
  keyring: Keyring;
  rows: SecretRow[];
  state: { kafkaReady: boolean; draining: boolean; outcome: SubmitOutcome };
  /** Prometheus text of the app's registry. */
  metrics(): Promise<string>;
}

export async function harness(
  overrides: {
    legacy?: boolean;
    rate?: number;
    burst?: number;
    maxBody?: number;
    load?: boolean;
    logger?: Logger;
    logEvents?: boolean;
    faults?: FaultDeps;
  } = {},
): Promise<Harness> {
  const now = { ms: T0 };
  const clock = () => now.ms;
  const rows: SecretRow[] = [
    { id: '1', customerId: 'acme', scheme: 'standard-webhooks', secret: secretA },
    { id: '2', customerId: 'acme', scheme: 'standard-webhooks', secret: secretA2 },
    { id: '3', customerId: 'globex', scheme: 'standard-webhooks', secret: secretB },
    { id: '4', customerId: 'octo', scheme: 'github', secret: githubSecret },
    { id: '5', customerId: 'stripe-co', scheme: 'stripe', secret: stripeSecret },
  ];
  const keyring = makeKeyring({ load: () => Promise.resolve([...rows]), logger: silentLogger(), clock });
  if (overrides.load !== false) await keyring.reload();
  const records: OutRecord[] = [];
  const state = { kafkaReady: true, draining: false, outcome: { ok: true } as SubmitOutcome };
  const registry = makeRegistry('handler-test');
  const app = makeApp({
    logger: overrides.logger ?? silentLogger(),
    handlerId: 'handler-test',
    registry,
    clock,
    metrics: makeHandlerMetrics(registry),
    keyring,
    ...(overrides.faults ? { faults: overrides.faults } : {}),
    limiter: makeRateLimiter({
      ratePerSecond: overrides.rate ?? 1000,
      burst: overrides.burst ?? 1000,
      clock,
    }),
    kafkaReady: () => state.kafkaReady,
    submit: (record) => {
      if (state.outcome.ok) records.push(record);
      return Promise.resolve(state.outcome);
    },
    draining: () => state.draining,
    options: {
      maxBodyBytes: overrides.maxBody ?? 1024,
      toleranceSeconds: 300,
      legacySignatures: overrides.legacy ?? false,
      retryAfterSeconds: 2,
      logEvents: overrides.logEvents ?? false,
    },
  });
  return { app, records, now, keyring, rows, state, metrics: () => registry.metrics() };
}

let seq = 0;
export const eventBody = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'order.created', timestamp: '2030-01-01T12:00:00Z', data: { n: 1 }, ...extra });

export function signed(
  options: { secrets?: string | string[]; body?: string; id?: string; timestamp?: number } = {},
): { id: string; body: string; headers: Record<string, string> } {
  const id = options.id ?? `msg_app_${++seq}`;
  const body = options.body ?? eventBody();
  const headers = signatureHeaders({
    id,
    timestamp: options.timestamp ?? Math.floor(T0 / 1000),
    body,
    secrets: options.secrets ?? secretA,
  });
  return { id, body, headers: { 'content-type': 'application/json', ...headers } };
}

export const post = async (
  h: Harness,
  body: RequestInit['body'],
  headers: Record<string, string>,
): Promise<Response> => h.app.request('/webhook', { method: 'POST', body, headers });

export async function expectError(res: Response, status: number, code: string, mentions?: RegExp) {
  expect(res.status).toBe(status);
  const json = (await res.json()) as { error: string; message: string };
  expect(json.error).toBe(code);
  expect(typeof json.message).toBe('string');
  if (mentions) expect(json.message).toMatch(mentions);
  return json;
}
