/**
 * A/B of handler variants under ingest load (a tuning tool, not part of `make bench`). Each round
 * runs the bare-202 baseline once and then every variant (the handlers restarted with its env
 * overrides and/or another build), all at the same load, so every variant's figure has a
 * baseline from the same minute. Prints medians over the rounds and writes
 * bench/results/tuning/<AB_NAME>.json.
 *
 *   AB_NAME=linger AB_LOAD=closed:64 AB_ROUNDS=3 \
 *   AB_VARIANTS='[{"name":"2ms","env":{"HANDLER_LINGER_MS":"2"}},{"name":"5ms","env":{"HANDLER_LINGER_MS":"5"}}]' \
 *   node --import tsx bench/ab.ts
 *
 * A variant may give `"dist": "<dir>"` holding `handler/dist` (a copy of the build before a code
 * change), and `"profile": "<dir>"` to run its handlers under `node --cpu-prof` (profiles written
 * there, summarised at the end; the profiler's own cost is in that variant's figures), or
 * `"script": "bench/kafka-floor.ts"` to run that file in the handlers' place.
 * AB_LOAD: `closed:<concurrency>` or `rate:<requests/s>`. The webhooks go to
 * `/webhook/<customer_id>` (BENCH_INGEST_PATH=bare: the seed's `/webhook`; a variant's
 * `"path": "bare"` or `"customer"` overrides it for that variant). Needs the bench stack up.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { livePid, startPart, stopPart } from '@hookpipe/stack';
import { startCpuMeter } from './lib/cpu.js';
import { runClosedLoop, runFixedRate, type LoadResult } from './lib/load.js';
import { delta, scrapeSums } from './lib/metrics.js';
import { formatProfile, summariseProfile } from './lib/profile.js';
import { installSecrets, removeSecrets, skipBacklog } from './lib/receiver.js';
import { envNumber, ratio, writeResult } from './lib/results.js';
import { ingressPathFromEnv, makeSignedSource, makeCustomers, type IngressPath } from './lib/signed.js';
import {
  HANDLER_BENCH_ENV,
  handlerParts,
  openBenchContext,
  restartCustom,
  restartParts,
  stackFile,
  startBaseline,
} from './lib/stack.js';

interface Variant {
  name: string;
  env?: Record<string, string>;
  dist?: string;
  profile?: string;
  /** A TypeScript file run in place of the handler (e.g. bench/kafka-floor.ts). */
  script?: string;
  /** The ingress path of this variant's webhooks, when not BENCH_INGEST_PATH's. */
  path?: IngressPath;
}

/** Median CPU seconds per request, in milliseconds. */
const perRequest = (xs: number[]) => Math.round(median(xs) * 1e6) / 1000;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  const name = process.env.AB_NAME ?? 'ab';
  const variants = JSON.parse(process.env.AB_VARIANTS ?? '[]') as Variant[];
  if (variants.length === 0) throw new Error('AB_VARIANTS must list at least one variant');
  const [mode, value] = (process.env.AB_LOAD ?? 'closed:64').split(':');
  const rounds = envNumber('AB_ROUNDS', 3);
  const seconds = envNumber('AB_SECONDS', 8);
  const ctx = openBenchContext(true);
  const env = stackFile(ctx);
  const runId = Date.now().toString(36);
  const customers = makeCustomers(runId, envNumber('BENCH_INGEST_CUSTOMERS', 8));
  const ingressPath = ingressPathFromEnv();
  const source = makeSignedSource(runId, customers, { path: ingressPath });
  const handlerUrls = (env.HANDLER_URLS ?? '').split(' ').filter(Boolean);
  const metricNames = ['hookpipe_handler_batch_records_sum', 'hookpipe_handler_batch_records_count'];
  await installSecrets(env.CONSUMER_URL!, env.RECEIVER_API_KEY!, customers);
  // As in the ingest scenario, only the ingest tier runs.
  await stopPart(ctx, 'consumer');
  const baseline = await startBaseline(ctx);
  // The same signed webhooks serve either path: the signature does not cover it.
  const bareNext = () => {
    const { headers, body } = source.next();
    return { headers, body };
  };
  const load = (origin: string, path = ingressPath): Promise<LoadResult> => {
    source.presign(Math.min(300_000, Number(value) * 3 * (seconds + 2) + 20_000));
    const common = {
      origin,
      path: '/webhook',
      durationMs: seconds * 1000,
      warmupMs: 2000,
      next: path === 'bare' && ingressPath === 'customer' ? bareNext : source.next,
      expectStatus: 202,
    };
    return mode === 'rate'
      ? runFixedRate({ ...common, rate: Number(value), maxInFlight: 512 })
      : runClosedLoop({ ...common, concurrency: Number(value) });
  };
  type Row = {
    rps: number;
    p50: number;
    p99: number;
    handlerCores: number;
    kafkaCores: number;
    perSend: number;
    ratio: number;
  };
  const rows: Record<string, Row[]> = Object.fromEntries(variants.map((v) => [v.name, []]));
  const baseRows: { rps: number; p99: number }[] = [];
  try {
    for (let round = 1; round <= rounds; round++) {
      const b = await load(baseline.origin);
      baseRows.push({ rps: b.rps, p99: b.latency.p99_ms });
      for (const v of variants) {
        await restartCustom(
          ctx,
          handlerParts(ctx),
          { ...HANDLER_BENCH_ENV, ...v.env },
          {
            distRoot: v.dist,
            profileDir: v.profile,
            script: v.script,
          },
        );
        await new Promise((r) => setTimeout(r, 1500)); // keyring loaded, producer connected
        const before = await scrapeSums(handlerUrls, metricNames);
        const cpu = startCpuMeter({
          handlers: handlerParts(ctx).map((p) => livePid(ctx, p)!),
          kafka: [livePid(ctx, 'kafka')!],
        });
        const r = await load(env.INGRESS_URL!, v.path);
        const cores = cpu.stop();
        const d = delta(await scrapeSums(handlerUrls, metricNames), before);
        const row = {
          rps: r.rps,
          p50: r.latency.p50_ms,
          p99: r.latency.p99_ms,
          handlerCores: cores.handlers!,
          kafkaCores: cores.kafka!,
          perSend: ratio(d.hookpipe_handler_batch_records_sum!, d.hookpipe_handler_batch_records_count!),
          ratio: ratio(r.rps, b.rps),
        };
        rows[v.name]!.push(row);
        console.log(
          `  round ${round} ${v.name.padEnd(16)} ${String(r.rps).padStart(6)} req/s (baseline ${b.rps}, ratio ${row.ratio.toFixed(2)})  p50 ${row.p50.toFixed(1)}  p99 ${row.p99.toFixed(1)} ms  handlers ${row.handlerCores.toFixed(2)} + Kafka ${row.kafkaCores.toFixed(2)} cores  ${row.perSend} records/send${Object.keys(r.errors).length ? `  errors ${JSON.stringify(r.errors)}` : ''}`,
        );
      }
    }
  } finally {
    await restartParts(ctx, handlerParts(ctx), HANDLER_BENCH_ENV);
    await baseline.stop();
    await removeSecrets(
      env.DATABASE_URL!,
      customers.map((c) => c.id),
    );
    await skipBacklog(env.KAFKA_BROKERS!);
    await startPart(ctx, 'consumer', { env: ctx.state.overrides.consumer ?? {} });
  }
  const summary = variants.map((v) => {
    const rs = rows[v.name]!;
    return {
      variant: v,
      rounds: rs,
      median: {
        rps: median(rs.map((r) => r.rps)),
        ratio_to_baseline: median(rs.map((r) => r.ratio)),
        p50_ms: median(rs.map((r) => r.p50)),
        p99_ms: median(rs.map((r) => r.p99)),
        handler_cores: median(rs.map((r) => r.handlerCores)),
        handler_cpu_ms_per_request: perRequest(rs.map((r) => r.handlerCores / Math.max(1, r.rps))),
        kafka_cpu_ms_per_request: perRequest(rs.map((r) => r.kafkaCores / Math.max(1, r.rps))),
        records_per_send: median(rs.map((r) => r.perSend)),
      },
    };
  });
  console.log(
    `\n${name}: ${mode} ${value}, ${rounds} rounds × ${seconds} s, medians (baseline median ${median(baseRows.map((b) => b.rps))} req/s)`,
  );
  for (const s of summary) {
    const m = s.median;
    console.log(
      `  ${s.variant.name.padEnd(16)} ${String(m.rps).padStart(6)} req/s  ratio ${m.ratio_to_baseline.toFixed(2)}  p50 ${m.p50_ms.toFixed(1)}  p99 ${m.p99_ms.toFixed(1)} ms  CPU ms/request: handlers ${m.handler_cpu_ms_per_request}, Kafka ${m.kafka_cpu_ms_per_request}  ${m.records_per_send.toFixed(2)} records/send`,
    );
  }
  const file = writeResult(`tuning/${name}.json`, {
    date: new Date().toISOString(),
    load: { mode, value: Number(value), rounds, seconds, ingress_path: ingressPath },
    baseline: baseRows,
    variants: summary,
  });
  console.log(`  wrote ${file}`);
  for (const v of variants) {
    if (!v.profile) continue;
    for (const part of handlerParts(ctx)) {
      const profile = path.join(v.profile, `${part}.cpuprofile`);
      if (existsSync(profile))
        console.log(formatProfile(`${v.name} ${part}`, summariseProfile(profile, 25), 25).join('\n'));
    }
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
