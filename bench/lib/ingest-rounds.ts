import { livePid, type StackContext } from '@hookpipe/stack';
import { startCpuMeter } from './cpu.js';
import { runClosedLoop, type BenchRequest, type LoadResult } from './load.js';
import { ratio } from './results.js';
import { HANDLER_BENCH_ENV, handlerParts, restartCustom, restartParts } from './stack.js';

/** What sits behind nginx in one measurement of a round. */
export type Subject = 'bare' | 'floor' | 'handlers';

export interface SubjectRun {
  rps: number;
  p50_ms: number;
  p99_ms: number;
  errors: Record<string, number>;
  cpu_cores: Record<string, number>;
  /** CPU of what stands behind nginx (bare servers, floor processes or handlers) per request. */
  upstream_cpu_ms_per_request: number;
  /** nginx + the upstreams + Kafka (none for bare) per request. */
  tier_cpu_ms_per_request: number;
}

export interface FloorRound {
  order: Subject[];
  bare: SubjectRun;
  floor: SubjectRun;
  handlers: SubjectRun;
  handlers_to_floor: number;
  handlers_to_bare: number;
  floor_to_bare: number;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export interface FloorRounds {
  concurrency: number;
  step_s: number;
  rounds: FloorRound[];
  handlers_to_floor: Spread;
  handlers_to_bare: Spread;
  floor_to_bare: Spread;
  cpu_ms_per_request: Record<Subject, { upstream: Spread; tier: Spread }>;
}

export const spreadOf = (xs: number[]): Spread => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  return { median: Math.round(mid * 1000) / 1000, min: s[0] ?? 0, max: s[s.length - 1] ?? 0 };
};

const perRequest = (cores: number, rps: number) => Math.round((cores / Math.max(1, rps)) * 1e6) / 1000;

/**
 * The handler against its two references in the same minutes: rounds of the bare 202 servers,
 * the kafkajs floor (bench/kafka-floor.ts run in the handlers' place) and the real handlers, all
 * at one closed-loop concurrency. The order mirrors from one round to the next (bare, floor,
 * handlers; then handlers, floor, bare), so drift over the run weighs on all three alike and the
 * handler replicas restart once per round. Leaves the real handlers running.
 */
export async function runFloorRounds(o: {
  ctx: StackContext;
  rounds: number;
  concurrency: number;
  stepMs: number;
  warmupMs: number;
  bare: { origin: string; pids: Record<string, number[]> };
  ingressUrl: string;
  presign: (n: number) => void;
  next: () => BenchRequest;
  log: (line: string) => void;
}): Promise<FloorRounds> {
  const { ctx } = o;
  const lastRps: Record<Subject, number> = { bare: 20_000, floor: 8000, handlers: 8000 };
  let running: Subject = 'handlers';
  const measure = async (subject: Subject): Promise<SubjectRun> => {
    if (subject !== 'bare' && running !== subject) {
      if (subject === 'floor')
        await restartCustom(ctx, handlerParts(ctx), HANDLER_BENCH_ENV, { script: 'bench/kafka-floor.ts' });
      else await restartParts(ctx, handlerParts(ctx), HANDLER_BENCH_ENV);
      running = subject;
      // The keyring loaded and the producer connected before the warm-up starts.
      await new Promise((r) => setTimeout(r, 1500));
    }
    o.presign(Math.min(300_000, Math.ceil((lastRps[subject] * 1.3 * (o.stepMs + o.warmupMs)) / 1000)));
    const pids =
      subject === 'bare'
        ? o.bare.pids
        : {
            nginx: [livePid(ctx, 'nginx')!],
            upstream: handlerParts(ctx).map((p) => livePid(ctx, p)!),
            kafka: [livePid(ctx, 'kafka')!],
          };
    const cpu = startCpuMeter(pids);
    const r: LoadResult = await runClosedLoop({
      origin: subject === 'bare' ? o.bare.origin : o.ingressUrl,
      path: '/webhook',
      concurrency: o.concurrency,
      durationMs: o.stepMs,
      warmupMs: o.warmupMs,
      next: o.next,
      expectStatus: 202,
    });
    const cores = cpu.stop();
    lastRps[subject] = Math.max(r.rps, 100);
    const upstream = subject === 'bare' ? cores.servers! : cores.upstream!;
    const tier = upstream + cores.nginx! + (cores.kafka ?? 0);
    return {
      rps: r.rps,
      p50_ms: r.latency.p50_ms,
      p99_ms: r.latency.p99_ms,
      errors: r.errors,
      cpu_cores: cores,
      upstream_cpu_ms_per_request: perRequest(upstream, r.rps),
      tier_cpu_ms_per_request: perRequest(tier, r.rps),
    };
  };

  const rounds: FloorRound[] = [];
  try {
    for (let i = 0; i < o.rounds; i++) {
      const order: Subject[] = i % 2 === 0 ? ['bare', 'floor', 'handlers'] : ['handlers', 'floor', 'bare'];
      const got: Partial<Record<Subject, SubjectRun>> = {};
      for (const s of order) got[s] = await measure(s);
      const { bare, floor, handlers } = got as Record<Subject, SubjectRun>;
      const round = {
        order,
        bare,
        floor,
        handlers,
        handlers_to_floor: ratio(handlers.rps, floor.rps),
        handlers_to_bare: ratio(handlers.rps, bare.rps),
        floor_to_bare: ratio(floor.rps, bare.rps),
      };
      rounds.push(round);
      o.log(
        `  round ${i + 1} (${order.join(', ')}): bare ${bare.rps}, floor ${floor.rps}, handlers ${handlers.rps} req/s; handlers/floor ${round.handlers_to_floor.toFixed(2)}, handlers/bare ${round.handlers_to_bare.toFixed(2)}, floor/bare ${round.floor_to_bare.toFixed(2)}; upstream CPU ms/request bare ${bare.upstream_cpu_ms_per_request}, floor ${floor.upstream_cpu_ms_per_request}, handlers ${handlers.upstream_cpu_ms_per_request}`,
      );
    }
  } finally {
    if (running !== 'handlers') await restartParts(ctx, handlerParts(ctx), HANDLER_BENCH_ENV);
  }
  const cpuSpread = (s: Subject) => ({
    upstream: spreadOf(rounds.map((r) => r[s].upstream_cpu_ms_per_request)),
    tier: spreadOf(rounds.map((r) => r[s].tier_cpu_ms_per_request)),
  });
  return {
    concurrency: o.concurrency,
    step_s: o.stepMs / 1000,
    rounds,
    handlers_to_floor: spreadOf(rounds.map((r) => r.handlers_to_floor)),
    handlers_to_bare: spreadOf(rounds.map((r) => r.handlers_to_bare)),
    floor_to_bare: spreadOf(rounds.map((r) => r.floor_to_bare)),
    cpu_ms_per_request: {
      bare: cpuSpread('bare'),
      floor: cpuSpread('floor'),
      handlers: cpuSpread('handlers'),
    },
  };
}
