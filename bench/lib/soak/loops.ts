import { setNginxReplicas, up, type StackContext } from '@hookpipe/stack';
import { delay } from '@hookpipe/lib';
import { describeStep, estimatedSeconds, runChaosStep, type ChaosEvent, type ChaosStep } from './chaos.js';
import type { SoakSettings } from './settings.js';

/**
 * Calls `fn` every `intervalMs` from `startedAt` until `until` (or the signal), on the interval's
 * grid: a call that overruns skips the ticks it missed instead of bunching them up.
 */
export async function every(
  intervalMs: number,
  options: { startedAt: number; until: number; signal: AbortSignal },
  fn: () => Promise<void>,
): Promise<void> {
  for (let tick = 0; ;) {
    const due = options.startedAt + tick * intervalMs;
    if (due > options.until || options.signal.aborted) return;
    await delay(Math.max(0, due - Date.now()), options.signal);
    if (options.signal.aborted) return;
    await fn();
    tick = Math.max(tick + 1, Math.ceil((Date.now() - options.startedAt) / intervalMs));
  }
}

/**
 * Follows the chaos plan: waits each step's gap after the previous action ended, runs it, and
 * stops before an action could still run in the cool-down. A failed action is recorded and the
 * stack brought back (`up` restarts what is down; nginx gets every replica again).
 */
export async function runChaos(options: {
  ctx: StackContext;
  plan: readonly ChaosStep[];
  settings: SoakSettings;
  until: number;
  signal: AbortSignal;
  log: (message: string) => void;
  onEvent: (event: ChaosEvent) => void;
}): Promise<void> {
  const { settings, signal } = options;
  const calmFrom = options.until - settings.cooldownS * 1000;
  for (const step of options.plan) {
    const at = Date.now() + step.gapS * 1000;
    if (at + estimatedSeconds(step, settings) * 1000 > calmFrom) {
      options.log(`chaos: done (the next step would reach into the ${settings.cooldownS} s cool-down)`);
      return;
    }
    await delay(at - Date.now(), signal);
    if (signal.aborted) return;
    options.log(`chaos #${step.index}: ${describeStep(step)}`);
    const event = await runChaosStep(options.ctx, step, settings);
    const took = ((event.endedAt - event.startedAt) / 1000).toFixed(1);
    if (event.error) {
      options.log(`chaos #${step.index}: FAILED after ${took} s: ${event.error}; bringing the stack back`);
      await up(options.ctx).catch((err: unknown) => options.log(`up failed: ${(err as Error).message}`));
      await setNginxReplicas(options.ctx).catch(() => undefined);
    } else {
      options.log(`chaos #${step.index}: back after ${took} s`);
    }
    options.onEvent(event);
  }
}
