import { UnreachableError } from '../errors.js';
import { makeApi, preflight, type Api } from './api.js';
import { collectMeasurements } from './collect.js';
import { makeFaultProfiles, runActionPhase, runSendPhase, stopEmitters, type PhaseRecord } from './drive.js';
import type { Measurements } from './measures.js';
import { makeTicker, settle, type Progress, type RunContext } from './progress.js';
import {
  defineEventTypes,
  installReceiverSecret,
  makeRunId,
  registerWebhooks,
  type OnWebhook,
} from './setup.js';
import { durationMs, isStackTarget, type Scenario } from './types.js';
import { judge, type VerdictLine } from './verdict.js';

/** Where hookpipe's sender is and, for `target: stack`, the rest of the stack (as in stack.env). */
export interface Endpoints {
  senderUrl: string;
  senderApiKey: string;
  ingressUrl?: string;
  /** The ingress as the sender reaches it, when not at `ingressUrl` (a sender in a container). */
  senderIngressUrl?: string;
  consumerUrl?: string;
  receiverApiKey?: string;
  handlerUrls?: string[];
  databaseUrl?: string;
  senderDatabaseUrl?: string;
}

export interface RunOptions {
  endpoints: Endpoints;
  /** Scales every phase's duration (0.2: a fifth as long); rates, counts and limits stay. */
  timeScale?: number;
  /** Abort to interrupt: the emitters stop, fault profiles lift, and what was measured is judged. */
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** Called with each registered webhook and its secret (to hand it to a receiver of yours). */
  onWebhook?: OnWebhook;
  /** Notes along the way (also kept in the report). */
  log?: (message: string) => void;
  /** The scenario's file, for the report. */
  file?: string;
  now?: () => number;
  fetch?: typeof fetch;
}

export interface RunReport {
  scenario: string;
  file?: string;
  description?: string;
  /** `stack`, or the target URL. */
  target: string;
  run_id: string;
  started_at: string;
  finished_at: string;
  duration_ms: number;
  time_scale: number;
  outcome: 'passed' | 'failed' | 'interrupted';
  passed: boolean;
  webhooks: {
    name: string;
    webhook_id: string;
    customer_id: string;
    url: string;
    signature_scheme: string;
  }[];
  phases: PhaseRecord[];
  /** Whether everything sent had its outcome before the run stopped waiting. */
  settled: boolean;
  measurements: Measurements;
  verdict: VerdictLine[];
  notes: string[];
}

const DEFAULT_SETTLE_MS = 60_000;
// The receiver side (consumer retries, dead-lettering) may need a while after the sender is done.
const RECEIVER_SETTLE_MS = 30_000;

function stackApis(e: Endpoints, fetchImpl: typeof fetch | undefined) {
  if (!e.ingressUrl || !e.consumerUrl || !e.receiverApiKey)
    throw new UnreachableError(
      'target: stack needs the stack: start it (hookpipe up), or set INGRESS_URL, CONSUMER_URL and RECEIVER_API_KEY',
      false,
    );
  return makeApi('receiver', e.consumerUrl, e.receiverApiKey, fetchImpl ? { fetch: fetchImpl } : {});
}

/**
 * Runs a scenario against hookpipe's sender: registers its webhooks for customers of their own,
 * drives the phases (emitters, fault profiles, actions), waits for the outcome, measures, and
 * judges every expectation. Resolves with the report (also when interrupted); throws
 * UnreachableError when the sender (or the stack) does not answer before anything started.
 */
export async function runScenario(scenario: Scenario, options: RunOptions): Promise<RunReport> {
  const now = options.now ?? Date.now;
  const started = now();
  const notes: string[] = [];
  const log = (m: string) => {
    notes.push(m);
    options.log?.(m);
  };
  const e = options.endpoints;
  const fetchImpl = options.fetch;
  const sender = makeApi('sender', e.senderUrl, e.senderApiKey, fetchImpl ? { fetch: fetchImpl } : {});
  const stack = isStackTarget(scenario);
  const receiver: Api | undefined = stack ? stackApis(e, fetchImpl) : undefined;

  await preflight(sender, 'sender', '/ping', '/webhooks?limit=1');
  if (receiver) {
    await preflight(receiver, 'receiver', '/healthz', '/faults');
    const ingress = makeApi('ingress', e.ingressUrl!, '', fetchImpl ? { fetch: fetchImpl } : {});
    await ingress.call('GET', '/ping');
  }

  const target = typeof scenario.target === 'string' ? undefined : scenario.target;
  const secret = target?.secret_env ? process.env[target.secret_env] : target?.secret;
  const runId = makeRunId(started);
  const hookIngress = e.senderIngressUrl ?? e.ingressUrl;
  const signal = options.signal ?? new AbortController().signal;
  const ctx: RunContext = {
    scenario,
    sender,
    ...(receiver ? { receiver } : {}),
    hooks: [],
    ...(stack && e.databaseUrl && e.senderDatabaseUrl
      ? { databases: { databaseUrl: e.databaseUrl, senderDatabaseUrl: e.senderDatabaseUrl } }
      : {}),
    ...(hookIngress && stack ? { ingressUrl: hookIngress } : {}),
    timeScale: options.timeScale ?? 1,
    signal,
    now,
    started,
    onProgress: options.onProgress ?? (() => undefined),
    log,
  };
  if (stack && !ctx.databases) log('no DATABASE_URL / SENDER_DATABASE_URL: the reconcile is skipped');

  await defineEventTypes(sender, scenario);
  const registered = await registerWebhooks(sender, scenario, {
    runId,
    ...(hookIngress ? { ingressUrl: hookIngress } : {}),
    ...(secret ? { secret } : {}),
  });
  ctx.hooks = registered.map((r) => r.webhook);
  for (const r of registered) {
    if (receiver) await installReceiverSecret(receiver, e.handlerUrls ?? [], r.webhook, r.secret);
    await options.onWebhook?.({ ...r.webhook, secret: r.secret });
  }

  const tick = makeTicker(ctx);
  const faults = makeFaultProfiles(ctx);
  const phases: PhaseRecord[] = [];
  let replayed: number | undefined;
  try {
    for (const p of scenario.phases) {
      if (signal.aborted) break;
      const record = p.action ? await runActionPhase(ctx, tick, p) : await runSendPhase(ctx, tick, faults, p);
      if (record.replayed !== undefined) replayed = (replayed ?? 0) + record.replayed;
      phases.push(record);
    }
  } finally {
    // Whatever happened: nothing of this run keeps sending or faulting.
    await stopEmitters(ctx, ctx.hooks).catch((err: unknown) =>
      log(`stopping the emitters failed: ${String(err)}`),
    );
    await faults.liftAll().catch((err: unknown) => log(`lifting the fault profiles failed: ${String(err)}`));
  }

  let settled = false;
  if (!signal.aborted) {
    const within = scenario.expect.delivered
      ? durationMs(scenario.expect.delivered.within)
      : DEFAULT_SETTLE_MS;
    settled = (await settle(ctx, tick, 'settling', within + (ctx.databases ? RECEIVER_SETTLE_MS : 0)))
      .settled;
    if (!settled && !signal.aborted) log('not everything had its outcome when the run stopped waiting');
  }
  const measurements = await collectMeasurements(ctx, replayed);
  if (measurements.pending > 0) {
    // Left alone, the sender would go on retrying them for a long while: hold them instead.
    for (const h of ctx.hooks) await sender.call('PATCH', `/webhooks/${h.webhookId}`, { active: false });
    log(
      `${measurements.pending} event(s) still pending: the run's webhooks were disabled (their deliveries held)`,
    );
  }
  const verdict = judge(scenario.expect, measurements);
  const passed = !signal.aborted && verdict.every((l) => l.pass);
  const finished = now();
  return {
    scenario: scenario.name,
    ...(options.file ? { file: options.file } : {}),
    ...(scenario.description ? { description: scenario.description } : {}),
    target: target ? target.url : 'stack',
    run_id: runId,
    started_at: new Date(started).toISOString(),
    finished_at: new Date(finished).toISOString(),
    duration_ms: finished - started,
    time_scale: ctx.timeScale,
    outcome: signal.aborted ? 'interrupted' : passed ? 'passed' : 'failed',
    passed,
    webhooks: ctx.hooks.map((h) => ({
      name: h.name,
      webhook_id: h.webhookId,
      customer_id: h.customerId,
      url: h.url,
      signature_scheme: h.signatureScheme,
    })),
    phases,
    settled,
    measurements,
    verdict,
    notes,
  };
}
