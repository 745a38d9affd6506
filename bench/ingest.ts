/**
 * Scenario 1, ingest (not a test). Pre-signed, distinct webhooks at rising concurrency through
 * the stack's nginx → 3 handlers → Kafka, and, in the same run, through the same nginx template
 * in front of 3 bare Node servers that answer 202 (the baseline). Then a fixed-rate step at half
 * the pipeline's peak for both. Last, rounds at one concurrency of the bare servers, the kafkajs
 * floor (bench/kafka-floor.ts in the handlers' place) and the real handlers, alternating, so the
 * handler's own cost is a same-run ratio (handlers/floor). Writes bench/results/ingest.json and
 * ingest.svg.
 *
 *   npx tsx bench/ingest.ts          (needs the bench stack up: see bench/run.ts)
 *
 * Knobs: BENCH_INGEST_CONCURRENCY (1,4,16,64,256), BENCH_INGEST_STEP_S (8), BENCH_INGEST_WARMUP_S
 * (2), BENCH_INGEST_RATE_S (10), BENCH_INGEST_CUSTOMERS (8), BENCH_INGEST_ROUNDS (3),
 * BENCH_INGEST_ROUNDS_C (64), BENCH_INGEST_ROUNDS_S (8).
 */
import { livePid, startPart, stopPart } from '@hookpipe/stack';
import { startCpuMeter } from './lib/cpu.js';
import { runClosedLoop, runFixedRate, type LoadResult } from './lib/load.js';
import { machineInfo } from './lib/machine.js';
import { runFloorRounds } from './lib/ingest-rounds.js';
import { delta, scrapeSums } from './lib/metrics.js';
import { plotIngest } from './lib/plot.js';
import { installSecrets, removeSecrets, skipBacklog } from './lib/receiver.js';
import { envList, envNumber, ratio, writeResult } from './lib/results.js';
import { ingressPathFromEnv, makeSignedSource, makeCustomers } from './lib/signed.js';
import { HANDLER_BENCH_ENV, handlerParts, openBenchContext, stackFile, startBaseline } from './lib/stack.js';

const settings = {
  concurrency: envList('BENCH_INGEST_CONCURRENCY', [1, 4, 16, 64, 256]),
  stepMs: envNumber('BENCH_INGEST_STEP_S', 8) * 1000,
  warmupMs: envNumber('BENCH_INGEST_WARMUP_S', 2) * 1000,
  rateMs: envNumber('BENCH_INGEST_RATE_S', 10) * 1000,
  customers: envNumber('BENCH_INGEST_CUSTOMERS', 8),
  rounds: envNumber('BENCH_INGEST_ROUNDS', 3),
  roundsConcurrency: envNumber('BENCH_INGEST_ROUNDS_C', 64),
  roundsStepMs: envNumber('BENCH_INGEST_ROUNDS_S', 8) * 1000,
};

const HANDLER_METRICS = [
  'hookpipe_handler_batch_records_sum',
  'hookpipe_handler_batch_records_count',
  'hookpipe_handler_produce_duration_seconds_sum',
  'hookpipe_handler_produce_duration_seconds_count',
];

const fmt = (r: LoadResult) => {
  const errs = Object.entries(r.errors)
    .map(([k, v]) => `${k}×${v}`)
    .join(' ');
  return `${String(r.rps).padStart(6)} req/s  p50 ${r.latency.p50_ms.toFixed(2).padStart(7)}  p99 ${r.latency.p99_ms.toFixed(2).padStart(7)}  p99.9 ${r.latency.p999_ms.toFixed(2).padStart(7)} ms${errs ? `  (${errs})` : ''}`;
};

async function main(): Promise<void> {
  const ctx = openBenchContext(true);
  const env = stackFile(ctx);
  if (!livePid(ctx, 'nginx') || !env.INGRESS_URL) throw new Error('the bench stack is not up (bench/run.ts)');
  const runId = Date.now().toString(36);
  const customers = makeCustomers(runId, settings.customers);
  const ingressPath = ingressPathFromEnv();
  const source = makeSignedSource(runId, customers, { path: ingressPath });
  const machine = await machineInfo(ctx, env.DATABASE_URL!);
  const handlerUrls = (env.HANDLER_URLS ?? '').split(' ').filter(Boolean);
  console.log(
    `ingest: ${customers.length} customers on ${ingressPath === 'customer' ? '/webhook/<customer_id>' : 'the bare /webhook'}, concurrency ${settings.concurrency.join('/')}, ${settings.stepMs / 1000} s per step`,
  );

  await installSecrets(env.CONSUMER_URL!, env.RECEIVER_API_KEY!, customers);
  // Only the ingest tier runs: the consumer would compete for the 2 cores with what is measured.
  await stopPart(ctx, 'consumer');
  const baseline = await startBaseline(ctx);
  const pipelineOrigin = env.INGRESS_URL;
  const targets: Record<'baseline' | 'pipeline', { origin: string; pids: Record<string, number[]> }> = {
    baseline: { origin: baseline.origin, pids: { nginx: [baseline.nginxPid], servers: baseline.serverPids } },
    pipeline: {
      origin: pipelineOrigin,
      pids: {
        nginx: [livePid(ctx, 'nginx')!],
        handlers: handlerParts(ctx).map((p) => livePid(ctx, p)!),
        kafka: [livePid(ctx, 'kafka')!],
      },
    },
  };
  const lastRps = { baseline: 5000, pipeline: 5000 };
  const run = async (
    name: 'baseline' | 'pipeline',
    load: (origin: string) => Promise<LoadResult>,
    seconds: number,
  ) => {
    source.presign(Math.min(300_000, Math.max(20_000, Math.ceil(lastRps[name] * 1.5 * seconds))));
    const before = name === 'pipeline' ? await scrapeSums(handlerUrls, HANDLER_METRICS) : undefined;
    const cpu = startCpuMeter(targets[name].pids);
    const result = await load(targets[name].origin);
    const cores = cpu.stop();
    const producer = before ? delta(await scrapeSums(handlerUrls, HANDLER_METRICS), before) : undefined;
    lastRps[name] = Math.max(result.rps, 100);
    return {
      ...result,
      cpu_cores: cores,
      ...(producer
        ? {
            kafka_sends: producer.hookpipe_handler_batch_records_count,
            records_per_send: ratio(
              producer.hookpipe_handler_batch_records_sum!,
              producer.hookpipe_handler_batch_records_count!,
            ),
            ms_per_send: ratio(
              producer.hookpipe_handler_produce_duration_seconds_sum! * 1000,
              producer.hookpipe_handler_produce_duration_seconds_count!,
            ),
          }
        : {}),
    };
  };

  try {
    // Warm both (connections, JIT, the keyring picking up the new secrets).
    for (const name of ['baseline', 'pipeline'] as const) {
      source.presign(20_000);
      await runClosedLoop({
        origin: targets[name].origin,
        path: '/webhook',
        concurrency: 32,
        durationMs: 3000,
        warmupMs: 2000,
        next: source.next,
        expectStatus: 202,
      });
    }
    const steps = [];
    for (const concurrency of settings.concurrency) {
      const closed = (origin: string) =>
        runClosedLoop({
          origin,
          path: '/webhook',
          concurrency,
          durationMs: settings.stepMs,
          warmupMs: settings.warmupMs,
          next: source.next,
          expectStatus: 202,
        });
      const seconds = (settings.stepMs + settings.warmupMs) / 1000;
      const b = await run('baseline', closed, seconds);
      const p = await run('pipeline', closed, seconds);
      console.log(`  c=${String(concurrency).padStart(3)}  baseline ${fmt(b)}`);
      console.log(`         pipeline ${fmt(p)}   ratio ${ratio(p.rps, b.rps).toFixed(2)}`);
      steps.push({ concurrency, baseline: b, pipeline: p, ratio_rps: ratio(p.rps, b.rps) });
    }
    const peakP = steps.reduce((a, s) => (s.pipeline.rps > a.pipeline.rps ? s : a));
    const peakB = steps.reduce((a, s) => (s.baseline.rps > a.baseline.rps ? s : a));
    const half = Math.max(1, Math.round(peakP.pipeline.rps / 2));
    const fixed = (origin: string) =>
      runFixedRate({
        origin,
        path: '/webhook',
        rate: half,
        maxInFlight: 512,
        durationMs: settings.rateMs,
        warmupMs: settings.warmupMs,
        next: source.next,
        expectStatus: 202,
      });
    const seconds = (settings.rateMs + settings.warmupMs) / 1000;
    lastRps.baseline = lastRps.pipeline = half;
    const hb = await run('baseline', fixed, seconds);
    const hp = await run('pipeline', fixed, seconds);
    console.log(`  fixed rate ${half}/s (half the pipeline's peak)`);
    console.log(`         baseline ${fmt(hb)}`);
    console.log(`         pipeline ${fmt(hp)}`);
    console.log(
      `  handlers against the kafkajs floor and the bare servers, c=${settings.roundsConcurrency}, ${settings.rounds} rounds × ${settings.roundsStepMs / 1000} s`,
    );
    const floor = await runFloorRounds({
      ctx,
      rounds: settings.rounds,
      concurrency: settings.roundsConcurrency,
      stepMs: settings.roundsStepMs,
      warmupMs: settings.warmupMs,
      bare: targets.baseline,
      ingressUrl: pipelineOrigin,
      presign: (n) => source.presign(n),
      next: source.next,
      log: (line) => console.log(line),
    });
    const peakRatio = ratio(peakP.pipeline.rps, peakB.baseline.rps);
    const result = {
      date: new Date().toISOString(),
      machine,
      settings: {
        ...settings,
        customers: customers.length,
        ingress_path: ingressPath === 'customer' ? '/webhook/<customer_id>' : '/webhook',
        body_bytes: source.next().body.length,
        edge_limits: 'raised (HOOKPIPE_RATE_* = 1000000) for both nginx instances',
        handler_env: HANDLER_BENCH_ENV,
        consumer: 'stopped during the scenario; its group then skips the ingest records',
      },
      steps,
      peak: {
        pipeline_rps: peakP.pipeline.rps,
        pipeline_concurrency: peakP.concurrency,
        baseline_rps: peakB.baseline.rps,
        baseline_concurrency: peakB.concurrency,
        ratio: peakRatio,
      },
      half_peak: { rate: half, baseline: hb, pipeline: hp },
      floor,
      goals: {
        handlers_to_floor_at_least_0_9: floor.handlers_to_floor.median >= 0.9,
        throughput_ratio_at_least_0_5: peakRatio >= 0.5,
        p99_under_25ms_at_half_peak: hp.latency.p99_ms < 25,
      },
      signing: source.stats(),
    };
    console.log(
      `  peak: pipeline ${peakP.pipeline.rps} req/s (c=${peakP.concurrency}), baseline ${peakB.baseline.rps} req/s (c=${peakB.concurrency}), ratio ${peakRatio.toFixed(2)} (goal ≥ 0.50: ${peakRatio >= 0.5 ? 'met' : 'NOT met'})`,
    );
    console.log(
      `  p99 at half the peak: ${hp.latency.p99_ms.toFixed(2)} ms (goal < 25 ms: ${hp.latency.p99_ms < 25 ? 'met' : 'NOT met'})`,
    );
    const h = floor.handlers_to_floor;
    console.log(
      `  handlers/floor ${h.median.toFixed(2)} (rounds ${h.min.toFixed(2)}–${h.max.toFixed(2)}; goal ≥ 0.90: ${h.median >= 0.9 ? 'met' : 'NOT met'}), handlers/bare ${floor.handlers_to_bare.median.toFixed(2)}, floor/bare ${floor.floor_to_bare.median.toFixed(2)}`,
    );
    console.log(
      `  wrote ${writeResult('ingest.json', result)} and ${writeResult('ingest.svg', plotIngest(result))}`,
    );
  } finally {
    await baseline.stop();
    await removeSecrets(
      env.DATABASE_URL!,
      customers.map((c) => c.id),
    ).catch(() => undefined);
    await skipBacklog(env.KAFKA_BROKERS!);
    await startPart(ctx, 'consumer', { env: ctx.state.overrides.consumer ?? {} });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
