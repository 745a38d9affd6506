import { reconcile, type ReconcileReport } from '@hookpipe/stack';
import type { Api } from './api.js';
import type { RunWebhook } from './setup.js';
import type { Scenario } from './types.js';

/** One line of live progress: the current phase's counters and delivery rate. */
export interface Progress {
  phase: string;
  /** `step 2/5` of a ramp, `settling`, `replaying`… */
  detail?: string;
  elapsedMs: number;
  sent: number;
  delivered: number;
  retrying: number;
  failed: number;
  pending: number;
  /** Deliveries per second since the previous line. */
  rate: number;
}

/** An emitter's counters as the sender shows them (fault counters aside). */
const COUNTERS = ['sent', 'delivered', 'failed', 'retrying', 'pending'] as const;
export type EmitterCounters = Record<(typeof COUNTERS)[number], number>;

export interface EmitterView {
  emitter_id: string;
  webhook_id: string;
  status: 'running' | 'stopped' | 'completed';
  counters: EmitterCounters & { faults: Record<string, { sent: number; statuses: Record<string, number> }> };
}

/** What the phases share while a run goes: its APIs, webhooks, clock and the way to report. */
export interface RunContext {
  scenario: Scenario;
  sender: Api;
  /** Hookpipe's receiver API (target: stack). */
  receiver?: Api;
  hooks: RunWebhook[];
  /** Both databases (target: stack, from stack.env), for the reconcile. */
  databases?: { databaseUrl: string; senderDatabaseUrl: string };
  ingressUrl?: string;
  timeScale: number;
  signal: AbortSignal;
  now: () => number;
  started: number;
  onProgress: (p: Progress) => void;
  log: (message: string) => void;
}

/** Every emitter of the run's webhooks, with its counters. */
export async function listEmitters(ctx: RunContext): Promise<EmitterView[]> {
  const lists = await Promise.all(
    ctx.hooks.map(async (h) => {
      const answer = await ctx.sender.expect(
        'GET',
        `/emitters?status=all&limit=500&webhook_id=${encodeURIComponent(h.webhookId)}`,
      );
      return (answer.json.data ?? []) as EmitterView[];
    }),
  );
  return lists.flat();
}

export function sumCounters(emitters: readonly EmitterView[]): EmitterCounters {
  const total = Object.fromEntries(COUNTERS.map((k) => [k, 0])) as EmitterCounters;
  for (const e of emitters) for (const k of COUNTERS) total[k] += e.counters[k];
  return total;
}

/** Polls the emitters and reports one progress line for `phase` (counters of `ids`, else all). */
export function makeTicker(ctx: RunContext) {
  let last = { at: ctx.now(), delivered: 0, phase: '' };
  return async (phase: string, ids: ReadonlySet<string> | undefined, detail?: string) => {
    const emitters = await listEmitters(ctx);
    const mine = ids ? emitters.filter((e) => ids.has(e.emitter_id)) : emitters;
    const c = sumCounters(mine);
    const now = ctx.now();
    if (last.phase !== phase) last = { at: now, delivered: c.delivered, phase };
    const rate = now > last.at ? ((c.delivered - last.delivered) * 1000) / (now - last.at) : 0;
    last = { at: now, delivered: c.delivered, phase };
    ctx.onProgress({ phase, ...(detail ? { detail } : {}), elapsedMs: now - ctx.started, ...c, rate });
    return emitters;
  };
}
export type Ticker = ReturnType<typeof makeTicker>;

/** Resolves after `ms`, or at once when the run is interrupted. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Waits until nothing the run sent is pending at the sender and, with the databases, until the
 * receiver has an outcome for every delivered event (reconcile: nothing missing). Returns
 * whether that happened before `timeoutMs` (or an interruption), and the last reconcile.
 */
export async function settle(
  ctx: RunContext,
  tick: Ticker,
  label: string,
  timeoutMs: number,
): Promise<{ settled: boolean; reconcile?: ReconcileReport }> {
  const deadline = ctx.now() + timeoutMs;
  let report: ReconcileReport | undefined;
  for (;;) {
    const pending = sumCounters(await tick(label, undefined, 'settling')).pending;
    if (pending === 0) {
      if (!ctx.databases) return { settled: true };
      report = await reconcile(ctx.databases, reconcileScope(ctx));
      if (report.missing.length === 0 && report.pending === 0) return { settled: true, reconcile: report };
    }
    if (ctx.signal.aborted || ctx.now() >= deadline)
      return { settled: false, ...(report ? { reconcile: report } : {}) };
    await pause(1000, ctx.signal);
  }
}

export const reconcileScope = (ctx: RunContext) => ({
  customers: ctx.hooks.map((h) => h.customerId),
  ...(ctx.ingressUrl ? { targetPrefix: `${ctx.ingressUrl}/` } : {}),
});
