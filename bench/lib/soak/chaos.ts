import {
  setNginxReplicas,
  sleep,
  startPart,
  stopPart,
  type PartName,
  type StackContext,
} from '@hookpipe/stack';
import type { ChaosKind, Range, SoakSettings } from './settings.js';

/** A seeded generator of numbers in [0, 1) (mulberry32): the same seed, the same schedule. */
export function makeRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One planned chaos action: wait `gapS` after the previous one ended, then do it. */
export interface ChaosStep {
  index: number;
  gapS: number;
  kind: ChaosKind;
  /** The handler replica killed. */
  part?: PartName;
  /** How long Kafka or PostgreSQL stays stopped, or nginx stays on one replica. */
  holdS?: number;
}

const within = (random: () => number, r: Range) => Math.round(r[0] + random() * (r[1] - r[0]));

/**
 * The run's chaos plan, drawn from the seed: as many steps as could start in the run (the run
 * uses those that fit). Gaps count from the end of the previous action, so each fault's recovery
 * is watched before the next one starts, whatever the actions took.
 */
export function chaosPlan(settings: SoakSettings, replicas: number): ChaosStep[] {
  if (settings.chaos.length === 0) return [];
  const random = makeRandom(settings.seed);
  const count = Math.ceil((settings.minutes * 60) / Math.max(1, settings.chaosGapS[0])) + 1;
  return Array.from({ length: count }, (_, index): ChaosStep => {
    const gapS = within(random, settings.chaosGapS);
    const kind = settings.chaos[Math.floor(random() * settings.chaos.length)]!;
    const pick = random();
    const step: ChaosStep = { index, gapS, kind };
    if (kind === 'kill-handler') step.part = `handler-${1 + Math.floor(pick * replicas)}`;
    if (kind === 'stop-kafka') step.holdS = within(() => pick, settings.kafkaStopS);
    if (kind === 'stop-postgres') step.holdS = within(() => pick, settings.postgresStopS);
    if (kind === 'nginx-one-replica') step.holdS = within(() => pick, settings.nginxOneReplicaS);
    return step;
  });
}

/** A step in words: `SIGKILL handler-2`, `stop Kafka for 17 s`… */
export function describeStep(step: ChaosStep): string {
  switch (step.kind) {
    case 'kill-handler':
      return `SIGKILL ${step.part}`;
    case 'kill-consumer':
      return 'SIGKILL consumer';
    case 'stop-kafka':
      return `stop Kafka for ${step.holdS} s`;
    case 'stop-postgres':
      return `stop PostgreSQL for ${step.holdS} s`;
    case 'restart-sender':
      return 'restart sender';
    case 'nginx-one-replica':
      return `nginx on one replica for ${step.holdS} s`;
  }
}

const MARKS: Record<ChaosKind, string> = {
  'kill-handler': 'H',
  'kill-consumer': 'C',
  'stop-kafka': 'K',
  'stop-postgres': 'P',
  'restart-sender': 'S',
  'nginx-one-replica': 'N',
};

/** A short mark for plots: K, P, H2 (handler-2), C, S, N. */
export const stepMark = (step: Pick<ChaosStep, 'kind' | 'part'>): string =>
  MARKS[step.kind] + (step.part?.slice('handler-'.length) ?? '');

/** About how long a step takes, to keep the last ones out of the cool-down. */
export function estimatedSeconds(step: ChaosStep, settings: SoakSettings): number {
  const hold = step.holdS ?? 0;
  if (step.kind === 'stop-kafka') return hold + 40;
  if (step.kind === 'stop-postgres') return hold + 15;
  if (step.kind === 'nginx-one-replica') return hold + 5;
  if (step.kind === 'restart-sender') return 20;
  return settings.restartDelayS + 15;
}

/** What a chaos action did, for the report (times in ms since the epoch). */
export interface ChaosEvent {
  index: number;
  kind: ChaosKind;
  what: string;
  mark: string;
  startedAt: number;
  /** When the part was back (healthy) or nginx had all replicas again. */
  endedAt: number;
  error?: string;
}

const restart = (ctx: StackContext, part: PartName) =>
  startPart(ctx, part, { env: ctx.state.overrides[part] ?? {} });

async function act(ctx: StackContext, step: ChaosStep, settings: SoakSettings): Promise<void> {
  const hold = (step.holdS ?? 0) * 1000;
  switch (step.kind) {
    case 'kill-handler':
    case 'kill-consumer': {
      const part = step.part ?? 'consumer';
      await stopPart(ctx, part, { signal: 'SIGKILL' });
      // A supervisor's restart delay: the part is really gone for a while.
      await sleep(settings.restartDelayS * 1000);
      return restart(ctx, part);
    }
    case 'stop-kafka':
    case 'stop-postgres': {
      const part = step.kind === 'stop-kafka' ? 'kafka' : 'postgres';
      await stopPart(ctx, part);
      await sleep(hold);
      return restart(ctx, part);
    }
    case 'restart-sender':
      await stopPart(ctx, 'sender');
      return restart(ctx, 'sender');
    case 'nginx-one-replica':
      await setNginxReplicas(ctx, 1);
      await sleep(hold);
      return setNginxReplicas(ctx);
  }
}

/**
 * Runs one chaos action through the stack's own functions and returns what happened. A failed
 * action is recorded (and fails the run's verdict); the caller brings the stack back.
 */
export async function runChaosStep(
  ctx: StackContext,
  step: ChaosStep,
  settings: SoakSettings,
): Promise<ChaosEvent> {
  const startedAt = Date.now();
  const base = { index: step.index, kind: step.kind, what: describeStep(step), mark: stepMark(step) };
  try {
    await act(ctx, step, settings);
    return { ...base, startedAt, endedAt: Date.now() };
  } catch (err) {
    return { ...base, startedAt, endedAt: Date.now(), error: (err as Error).message };
  }
}
