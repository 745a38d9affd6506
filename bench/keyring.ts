/**
 * Scenario 4, keyring (not a test): does verification cost stay flat in the number of customers?
 * Signed events of one customer, posted to `/webhook/<customer_id>` through the stack's nginx
 * (closed loop), with the keyring holding 10 customers' secrets, then 100,000, then 10 again, and
 * so on for BENCH_KEYRING_ROUNDS (the machine's drift shows). At each: req/s, p50/p99, the
 * handlers' CPU per request and RSS. Each round compares 100k against the mean of the 10-secret
 * runs either side; the verdict, on the rounds' mean: ≥ 0.9 for req/s and for 1 / CPU per request. For contrast, the bare `/webhook` path (every secret of the scheme is
 * tried in load order until one matches: the small-keyring path) at 10, at 1,000 with the
 * matching secrets loaded last, and at 10 again. Writes bench/results/keyring.json.
 *
 *   npx tsx bench/keyring.ts          (needs the bench stack up: see bench/run.ts)
 *
 * Knobs: BENCH_KEYRING_CONCURRENCY (64), BENCH_KEYRING_STEP_S (10), BENCH_KEYRING_WARMUP_S (3),
 * BENCH_KEYRING_ROUNDS (2), BENCH_KEYRING_SECRETS (100000), BENCH_KEYRING_BARE_SECRETS (1000; BENCH_KEYRING_BARE=off skips).
 */
import os from 'node:os';
import { livePid, startPart, stopPart } from '@hookpipe/stack';
import { startCpuMeter } from './lib/cpu.js';
import { runClosedLoop } from './lib/load.js';
import { machineInfo } from './lib/machine.js';
import {
  bulkInsertSecrets,
  handlerRssMiB,
  moveSecretsLast,
  removeBulkSecrets,
  secretCount,
  waitForKeyring,
} from './lib/keyring-fill.js';
import { installSecrets, removeSecrets, skipBacklog } from './lib/receiver.js';
import { envNumber, ratio, writeResult } from './lib/results.js';
import { makeCustomers, makeSignedSource } from './lib/signed.js';
import { HANDLER_BENCH_ENV, handlerParts, openBenchContext, stackFile } from './lib/stack.js';

const settings = {
  concurrency: envNumber('BENCH_KEYRING_CONCURRENCY', 64),
  stepMs: envNumber('BENCH_KEYRING_STEP_S', 10) * 1000,
  warmupMs: envNumber('BENCH_KEYRING_WARMUP_S', 3) * 1000,
  secrets: envNumber('BENCH_KEYRING_SECRETS', 100_000),
  bareSecrets: envNumber('BENCH_KEYRING_BARE_SECRETS', 1000),
  rounds: envNumber('BENCH_KEYRING_ROUNDS', 2),
  bare: process.env.BENCH_KEYRING_BARE !== 'off',
  customers: 10,
};

async function main(): Promise<void> {
  const ctx = openBenchContext(true);
  const env = stackFile(ctx);
  if (!livePid(ctx, 'nginx') || !env.INGRESS_URL) throw new Error('the bench stack is not up (bench/run.ts)');
  const db = env.DATABASE_URL!;
  const runId = Date.now().toString(36);
  const machine = await machineInfo(ctx, db);
  const handlerUrls = (env.HANDLER_URLS ?? '').split(' ').filter(Boolean);
  const handlerPids = () => handlerParts(ctx).map((p) => livePid(ctx, p)!);
  const customers = makeCustomers(runId, settings.customers);
  const one = customers[0]!;
  // The per-customer path: every event is the one customer's. The bare path: round-robin over the
  // 10, so the position of the matching secret in the keyring averages out.
  const oneSource = makeSignedSource(runId, [one]);
  const allSource = makeSignedSource(`${runId}b`, customers);
  const bulkPrefix = `bench-${runId}-k`;

  await installSecrets(env.CONSUMER_URL!, env.RECEIVER_API_KEY!, customers);
  // Only the ingest tier runs: the consumer would compete for the 2 cores with what is measured.
  await stopPart(ctx, 'consumer');
  const base = await secretCount(db);
  console.log(
    `keyring: ${base} secrets installed (the bench's ${settings.customers} and the stack's own), c=${settings.concurrency}, ${settings.stepMs / 1000} s per step`,
  );

  const steps: object[] = [];
  const measure = async (label: string, path: string, source: ReturnType<typeof makeSignedSource>) => {
    source.presign(Math.min(300_000, 4000 * ((settings.stepMs + settings.warmupMs) / 1000)));
    const cpu = startCpuMeter({ handlers: handlerPids(), nginx: [livePid(ctx, 'nginx')!] });
    const result = await runClosedLoop({
      origin: env.INGRESS_URL!,
      path,
      concurrency: settings.concurrency,
      durationMs: settings.stepMs,
      warmupMs: settings.warmupMs,
      next: source.next,
      expectStatus: 202,
    });
    const cores = cpu.stop();
    const keyring = await secretCount(db);
    const step = {
      label,
      path: path === '/webhook' ? '/webhook' : '/webhook/<customer_id>',
      keyring_secrets: keyring,
      ...result,
      cpu_cores: cores,
      // The meter's window includes the warm-up; the closed loop keeps the rate steady across it.
      handler_cpu_ms_per_request: ratio(cores.handlers! * 1000, result.rps),
      handler_rss_mib: handlerRssMiB(handlerPids()),
    };
    const errs = Object.entries(result.errors)
      .map(([k, v]) => `${k}×${v}`)
      .join(' ');
    console.log(
      `  ${label.padEnd(24)} ${String(keyring).padStart(6)} secrets  ${String(result.rps).padStart(6)} req/s  p50 ${result.latency.p50_ms.toFixed(2)}  p99 ${result.latency.p99_ms.toFixed(2)} ms  handlers ${step.handler_cpu_ms_per_request.toFixed(3)} ms CPU/req  RSS ${step.handler_rss_mib.join('/')} MiB${errs ? `  (${errs})` : ''}`,
    );
    steps.push(step);
    return step;
  };

  const perCustomer = `/webhook/${encodeURIComponent(one.id)}`;
  const warm = async (path: string, source: ReturnType<typeof makeSignedSource>, ms: number) => {
    source.presign(Math.min(300_000, 4 * ms));
    await runClosedLoop({
      origin: env.INGRESS_URL!,
      path,
      concurrency: settings.concurrency,
      durationMs: ms,
      warmupMs: 0,
      next: source.next,
      expectStatus: 202,
    });
  };
  const fill = async (size: number) => {
    const t = Date.now();
    const inserted = await bulkInsertSecrets(db, bulkPrefix, size - (await secretCount(db)));
    const insertMs = Date.now() - t;
    await waitForKeyring(handlerUrls, size);
    const loadedMs = Date.now() - t;
    console.log(`  +${inserted} secrets in ${insertMs} ms; every handler holds ${size} after ${loadedMs} ms`);
    return { to: size, inserted, insert_ms: insertMs, all_handlers_loaded_ms: loadedMs };
  };
  const empty = async () => {
    const t = Date.now();
    const removed = await removeBulkSecrets(db, bulkPrefix);
    await waitForKeyring(handlerUrls, base);
    return { to: base, removed, removed_and_unloaded_ms: Date.now() - t };
  };
  try {
    await waitForKeyring(handlerUrls, base);
    // Connections, JIT, batchers: the first minute of a fresh stack is slower than the rest.
    await warm(perCustomer, oneSource, settings.warmupMs * 5);
    const fills = [];
    const bareSteps = [];
    if (settings.bare) {
      await warm('/webhook', allSource, settings.warmupMs);
      bareSteps.push(await measure('bare, small', '/webhook', allSource));
      fills.push(await fill(settings.bareSecrets));
      // The bench's secrets go behind the bulk: each request then tries ~1,000 before its match.
      await moveSecretsLast(db, customers);
      await waitForKeyring(handlerUrls, settings.bareSecrets);
      bareSteps.push(await measure(`bare, ${settings.bareSecrets}, match last`, '/webhook', allSource));
      fills.push(await empty());
      bareSteps.push(await measure('bare, small', '/webhook', allSource));
    }
    const [bareSmall, bareLarge, bareSmall2] = bareSteps;
    // small, large, small, large, small: each large run sits between two small ones, so the
    // machine's drift (it is shared) shows and is averaged out of each round's ratio.
    const smalls = [await measure('per-customer, small', perCustomer, oneSource)];
    const larges = [];
    for (let round = 1; round <= settings.rounds; round++) {
      fills.push(await fill(settings.secrets));
      larges.push(await measure(`per-customer, ${settings.secrets}`, perCustomer, oneSource));
      fills.push(await empty());
      smalls.push(await measure('per-customer, small', perCustomer, oneSource));
    }
    const rounds = larges.map((large, i) => {
      const small = [smalls[i]!, smalls[i + 1]!];
      const smallRps = (small[0]!.rps + small[1]!.rps) / 2;
      const smallCpu = (small[0]!.handler_cpu_ms_per_request + small[1]!.handler_cpu_ms_per_request) / 2;
      return {
        small_rps_mean: Math.round(smallRps),
        large_rps: large.rps,
        ratio_rps: ratio(large.rps, smallRps),
        small_cpu_ms_per_request_mean: Math.round(smallCpu * 1000) / 1000,
        large_cpu_ms_per_request: large.handler_cpu_ms_per_request,
        // Lower is better for CPU, so small/large: ≥ 0.9 means at most ~11% more per request.
        ratio_cpu: ratio(smallCpu, large.handler_cpu_ms_per_request),
        drift_rps: ratio(small[1]!.rps, small[0]!.rps),
      };
    });
    const mean = (xs: number[]) => Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 1000) / 1000;
    const rpsRatio = mean(rounds.map((r) => r.ratio_rps));
    const cpuRatio = mean(rounds.map((r) => r.ratio_cpu));
    const result = {
      date: new Date().toISOString(),
      machine,
      loadavg_1m_at_end: machineLoad(),
      settings: { ...settings, handler_env: HANDLER_BENCH_ENV, body_bytes: oneSource.next().body.length },
      fills,
      steps,
      per_customer: { rounds, ratio_rps: rpsRatio, ratio_cpu: cpuRatio },
      bare:
        bareSmall && bareLarge && bareSmall2
          ? {
              ratio_rps: ratio(bareLarge.rps, (bareSmall.rps + bareSmall2.rps) / 2),
              ratio_cpu: ratio(
                (bareSmall.handler_cpu_ms_per_request + bareSmall2.handler_cpu_ms_per_request) / 2,
                bareLarge.handler_cpu_ms_per_request,
              ),
            }
          : undefined,
      goals: { flat_at_least_0_9: rpsRatio >= 0.9 && cpuRatio >= 0.9 },
    };
    for (const [i, r] of rounds.entries())
      console.log(
        `  round ${i + 1}: req/s ${r.large_rps} vs ${r.small_rps_mean} (${r.ratio_rps.toFixed(2)}), CPU/request ${r.large_cpu_ms_per_request.toFixed(3)} vs ${r.small_cpu_ms_per_request_mean.toFixed(3)} ms (${r.ratio_cpu.toFixed(2)}), drift of the small runs around it ${r.drift_rps.toFixed(2)}`,
      );
    console.log(
      `  per-customer path, ${settings.secrets} secrets vs ${settings.customers} customers': req/s ratio ${rpsRatio.toFixed(2)}, CPU/request ratio ${cpuRatio.toFixed(2)} (goal ≥ 0.90: ${result.goals.flat_at_least_0_9 ? 'met' : 'NOT met'})`,
    );
    if (result.bare)
      console.log(
        `  bare path (the small-keyring path), ${settings.bareSecrets} secrets vs ${base}: req/s ratio ${result.bare.ratio_rps.toFixed(2)}, CPU/request ratio ${result.bare.ratio_cpu.toFixed(2)}`,
      );
    console.log(`  wrote ${writeResult('keyring.json', result)}`);
  } finally {
    await removeBulkSecrets(db, bulkPrefix).catch(() => undefined);
    await removeSecrets(
      db,
      customers.map((c) => c.id),
    ).catch(() => undefined);
    await skipBacklog(env.KAFKA_BROKERS!);
    await startPart(ctx, 'consumer', { env: ctx.state.overrides.consumer ?? {} });
  }
}

const machineLoad = () => Math.round(os.loadavg()[0]! * 100) / 100;

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
