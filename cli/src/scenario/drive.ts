import {
  pause,
  settle,
  sumCounters,
  type EmitterCounters,
  type RunContext,
  type Ticker,
} from './progress.js';
import type { RunWebhook } from './setup.js';
import { durationMs, type PhaseSpec, type ReceiverFaults } from './types.js';

/** One emitter start: a phase, or one step of a ramp. */
export interface Step {
  rate: number;
  durationMs?: number;
  count?: number;
}

const MIN_STEP_MS = 1000;

/**
 * The emitter starts of a sending phase, durations scaled by `timeScale` (at least 1 s each): one
 * step, or `ramp.steps` steps of equal length whose rates go linearly from `ramp.from` to `ramp.to`.
 */
export function phaseSteps(p: PhaseSpec, timeScale: number): Step[] {
  const scaled =
    p.duration === undefined
      ? undefined
      : Math.max(MIN_STEP_MS, Math.round(durationMs(p.duration) * timeScale));
  if (p.ramp) {
    const n = p.ramp.steps ?? 5;
    const each = Math.max(MIN_STEP_MS, Math.round((scaled ?? 0) / n));
    const { from, to } = p.ramp;
    return Array.from({ length: n }, (_, i) => ({
      rate: Math.round((from + ((to - from) * i) / (n - 1)) * 1000) / 1000,
      durationMs: each,
    }));
  }
  return [
    {
      rate: p.rate ?? 1,
      ...(scaled === undefined ? {} : { durationMs: scaled }),
      ...(p.count === undefined ? {} : { count: p.count }),
    },
  ];
}

/** How long a step may take before the run stops its emitters itself: its length plus a margin. */
export const stepDeadlineMs = (s: Step): number =>
  s.durationMs !== undefined ? s.durationMs + 15_000 : ((s.count ?? 0) / s.rate) * 1000 + 60_000;

/** What a phase did, for the report. */
export interface PhaseRecord {
  name: string;
  action?: string;
  started_at: string;
  ended_at?: string;
  steps: number;
  counters: EmitterCounters;
  /** Actions: whether everything had its outcome before the timeout. */
  settled?: boolean;
  /** replay_dead_letters: how many were replayed. */
  replayed?: number;
}

const emitterQuery = (h: RunWebhook) =>
  `customer_id=${encodeURIComponent(h.customerId)}&webhook_id=${encodeURIComponent(h.webhookId)}`;

/** Stops the webhooks' emitters (one that never ran, or already ended, is fine). */
export async function stopEmitters(ctx: RunContext, hooks: readonly RunWebhook[]): Promise<void> {
  await Promise.all(
    hooks.map((h) => ctx.sender.expect('POST', `/emitter/stop?${emitterQuery(h)}`, undefined, [200, 404])),
  );
}

/** The receiver's fault profiles the run has set, so they can be lifted whatever happens. */
export function makeFaultProfiles(ctx: RunContext) {
  const set = new Set<string>();
  return {
    /** Sets each webhook's profile for a phase; a webhook without one has any earlier one lifted. */
    async apply(profileOf: (h: RunWebhook) => ReceiverFaults | undefined): Promise<void> {
      if (!ctx.receiver) return;
      for (const h of ctx.hooks) {
        const profile = profileOf(h);
        if (profile) {
          await ctx.receiver.expect('PUT', `/faults/${encodeURIComponent(h.customerId)}`, profile);
          set.add(h.customerId);
        } else if (set.delete(h.customerId)) {
          await ctx.receiver.expect(
            'DELETE',
            `/faults/${encodeURIComponent(h.customerId)}`,
            undefined,
            [204, 404],
          );
        }
      }
    },
    async liftAll(): Promise<void> {
      if (!ctx.receiver) return;
      for (const c of [...set]) {
        await ctx.receiver.call('DELETE', `/faults/${encodeURIComponent(c)}`);
        set.delete(c);
      }
    },
  };
}
export type FaultProfiles = ReturnType<typeof makeFaultProfiles>;

function emitterBody(p: PhaseSpec, s: Step) {
  return {
    rate: s.rate,
    ...(s.durationMs === undefined ? {} : { duration: s.durationMs / 1000 }),
    ...(s.count === undefined ? {} : { count: s.count }),
    ...(p.concurrency ? { concurrency: p.concurrency } : {}),
    ...(p.event_types ? { event_types: p.event_types } : {}),
    ...(p.faults ? { faults: p.faults } : {}),
    ...(p.simulate ? { simulate: p.simulate } : {}),
  };
}

/** Runs a sending phase: its fault profile, then each step's emitters until they complete. */
export async function runSendPhase(
  ctx: RunContext,
  tick: Ticker,
  faults: FaultProfiles,
  p: PhaseSpec,
): Promise<PhaseRecord> {
  const hooks = p.webhooks ? ctx.hooks.filter((h) => p.webhooks!.includes(h.name)) : ctx.hooks;
  const steps = phaseSteps(p, ctx.timeScale);
  const record: PhaseRecord = {
    name: p.name,
    started_at: new Date(ctx.now()).toISOString(),
    steps: steps.length,
    counters: sumCounters([]),
  };
  await faults.apply((h) => (hooks.includes(h) ? p.receiver_faults : undefined));
  const ids = new Set<string>();
  for (const [i, step] of steps.entries()) {
    if (ctx.signal.aborted) break;
    const detail = steps.length > 1 ? `step ${i + 1}/${steps.length}, ${step.rate}/s` : undefined;
    const started = await Promise.all(
      hooks.map(async (h) => {
        const answer = await ctx.sender.expect(
          'POST',
          `/emitter/start?${emitterQuery(h)}`,
          emitterBody(p, step),
        );
        return String(answer.json.emitter_id);
      }),
    );
    started.forEach((id) => ids.add(id));
    const mine = new Set(started);
    const deadline = ctx.now() + stepDeadlineMs(step);
    for (;;) {
      const emitters = await tick(p.name, ids, detail);
      record.counters = sumCounters(emitters.filter((e) => ids.has(e.emitter_id)));
      const running = emitters.some((e) => mine.has(e.emitter_id) && e.status === 'running');
      if (!running || ctx.signal.aborted) break;
      if (ctx.now() > deadline) {
        ctx.log(`phase ${p.name}: its emitters outlived the step; stopping them`);
        await stopEmitters(ctx, hooks);
        break;
      }
      await pause(1000, ctx.signal);
    }
  }
  record.ended_at = new Date(ctx.now()).toISOString();
  return record;
}

/** Runs an action phase: settle, or settle and replay the run's open dead letters. */
export async function runActionPhase(ctx: RunContext, tick: Ticker, p: PhaseSpec): Promise<PhaseRecord> {
  const record: PhaseRecord = {
    name: p.name,
    action: p.action!,
    started_at: new Date(ctx.now()).toISOString(),
    steps: 0,
    counters: sumCounters([]),
  };
  const settled = await settle(ctx, tick, p.name, p.timeout === undefined ? 60_000 : durationMs(p.timeout));
  record.settled = settled.settled;
  if (!settled.settled) ctx.log(`phase ${p.name}: not everything had its outcome before the timeout`);
  if (p.action === 'replay_dead_letters' && ctx.receiver && !ctx.signal.aborted) {
    record.replayed = 0;
    for (const h of ctx.hooks) {
      // A bulk replay takes at most CONSUMER_REPLAY_MAX (500) at a time: repeat until none is left.
      for (let round = 0; round < 1000; round++) {
        const answer = await ctx.receiver.expect('POST', '/dead-letters/replay', {
          filter: { customer_id: h.customerId },
          limit: 500,
        });
        const n = ((answer.json.replayed ?? []) as unknown[]).length;
        record.replayed += n;
        if (n === 0) break;
      }
    }
    await tick(p.name, undefined, `replayed ${record.replayed}`);
  }
  record.ended_at = new Date(ctx.now()).toISOString();
  return record;
}
