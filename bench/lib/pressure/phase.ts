import { monitorEventLoopDelay } from 'node:perf_hooks';
import { sleep, startPart, stopPart, type PartName, type StackContext } from '@hookpipe/stack';
import { runFixedRate, type BenchRequest } from '../load.js';
import { readParts } from '../soak/sample.js';
import {
  acceptedAgainAfter,
  latencyOf,
  memoryIn,
  perSecond,
  statusCounts,
  type Answer,
  type PartSecond,
} from './analyse.js';

export interface PhaseOptions {
  ctx: StackContext;
  /** What is stopped for `outageS`. */
  part: 'kafka' | 'postgres';
  ingressUrl: string;
  rate: number;
  beforeS: number;
  outageS: number;
  afterS: number;
  maxInFlight: number;
  next: () => BenchRequest;
  /** The parts whose memory is read every second. */
  watch: PartName[];
  /** The consumer group's lag, read every second (undefined while Kafka does not answer). */
  lag: () => Promise<{ events: number; retry: number } | undefined>;
  log: (m: string) => void;
}

const round = (x: number) => Math.round(x * 10) / 10;

/**
 * Sends `rate` signed events per second straight at the ingress while `part` is stopped for
 * `outageS` after `beforeS` of normal traffic, then `afterS` more once it is back; reads the
 * watched parts' memory and the lag every second.
 */
export async function runPressurePhase(o: PhaseOptions) {
  const answers: Answer[] = [];
  const memory = new Map<string, PartSecond[]>();
  const lags: { t: number; lag: number | null }[] = [];
  // Room for stopping and starting the part: the answers after it is back are what counts.
  const totalS = o.beforeS + o.outageS + o.afterS + 45;
  // The generator shares its event loop with the stack launcher's checks: a busy loop shows here.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const loadStart = Date.now();
  const since = () => round((Date.now() - loadStart) / 1000);
  let loadDone = false;
  const load = runFixedRate({
    origin: o.ingressUrl,
    path: '/webhook',
    durationMs: totalS * 1000,
    warmupMs: 0,
    next: o.next,
    expectStatus: 202,
    rate: o.rate,
    maxInFlight: o.maxInFlight,
    onAnswer: (a) => answers.push({ t: a.dueMs / 1000, status: a.status, ms: a.ms, serviceMs: a.serviceMs }),
  }).finally(() => (loadDone = true));
  const sampler = (async () => {
    while (!loadDone) {
      const t = since();
      for (const r of await readParts(o.ctx, o.watch)) {
        const main = r.processes.find((p) => p.pid === r.pid);
        const list = memory.get(r.part) ?? [];
        list.push({
          t,
          rss_mb: round((main?.rssKb ?? 0) / 1024),
          ...(r.heapUsedMb !== undefined ? { heap_mb: round(r.heapUsedMb) } : {}),
          fds: main?.fds ?? 0,
        });
        memory.set(r.part, list);
      }
      const lag = await o.lag();
      lags.push({ t, lag: lag ? lag.events + lag.retry : null });
      await sleep(Math.max(0, 1000 - (Date.now() - loadStart - t * 1000)));
    }
  })();

  await sleep(o.beforeS * 1000);
  const stopBegan = since();
  o.log(`stopping ${o.part}`);
  await stopPart(o.ctx, o.part);
  const stopped = since();
  await sleep(o.outageS * 1000);
  const startBegan = since();
  o.log(`starting ${o.part} again after ${round(startBegan - stopped)} s`);
  await startPart(o.ctx, o.part, { env: o.ctx.state.overrides[o.part] ?? {} });
  const back = since();
  o.log(`${o.part} back at ${back} s; load goes on until ${totalS} s`);
  const result = await load;
  await sampler;
  loopDelay.disable();

  const rows = perSecond(answers);
  const zero = o.rate * 2;
  const drained = lags
    .filter((l) => l.t >= back)
    .find((l, i, all) => all.slice(i, i + 3).every((x) => x.lag !== null && x.lag <= zero));
  const memoryBy = (from: number, to: number) =>
    Object.fromEntries([...memory].map(([part, list]) => [part, memoryIn(list, from, to)]));
  return {
    part: o.part,
    rate: o.rate,
    timeline_s: { stop_began: stopBegan, stopped, start_began: startBegan, back, end: totalS },
    outage_s: round(startBegan - stopped),
    answers: {
      before: statusCounts(answers, 0, stopBegan),
      outage: statusCounts(answers, stopBegan, back),
      after: statusCounts(answers, back, totalS),
    },
    latency: {
      before_202: latencyOf(answers, 0, stopBegan, ['202']),
      outage_503: latencyOf(answers, stopped, startBegan, ['503']),
      // From the stop's first signal until it is gone: requests that met the broker leaving.
      stopping_all: latencyOf(answers, stopBegan, stopped + 5),
      after_202: latencyOf(answers, back, totalS, ['202']),
    },
    accepted_again_s: acceptedAgainAfter(rows, back, { share: 0.99, seconds: 5 }),
    lag: {
      peak: Math.max(0, ...lags.map((l) => l.lag ?? 0)),
      drained_s: drained ? round(drained.t - back) : null,
      zero,
    },
    memory: {
      before: memoryBy(0, stopBegan),
      outage: memoryBy(stopBegan, back),
      after: memoryBy(back, totalS + 1),
    },
    max_in_flight_cap: o.maxInFlight,
    generator_loop_delay_ms: {
      p50: round(loopDelay.percentile(50) / 1e6),
      p99: round(loopDelay.percentile(99) / 1e6),
      max: round(loopDelay.max / 1e6),
    },
    load_errors: result.errors,
    per_second: rows,
    series: { memory: Object.fromEntries(memory), lag: lags },
  };
}

export type PhaseResult = Awaited<ReturnType<typeof runPressurePhase>>;
