/**
 * Scenario 3, end to end (not a test). The sender's own emitters, started through its API on
 * several webhooks of several customers, deliver at a fixed total rate through nginx → handlers →
 * Kafka → consumer → PostgreSQL. Latency per event: the delivery's `created_at` in the sender's
 * outbox (the emitter's send) to the receiver's `events.persisted_at`, in an HDR histogram.
 * Reconciled at the end (0 missing, 0 duplicated).
 *
 * Baseline in the same run: the same emitters delivering through the same nginx template to 3
 * bare 202 servers (bench/bare-server.ts): the sender alone, with a receiver that costs nothing.
 *
 * Plan: an unmeasured warm-up of both; rate steps (BENCH_E2E_STEPS, BENCH_E2E_STEP_S = 12 s each)
 * for the baseline and the pipeline, interleaved, each target stopping at its first step not
 * sustained (tried twice), to find each ceiling (their ratio: the end-to-end ceiling against the sender alone;
 * BENCH_E2E_BASELINE=off skips the baseline); the main run at BENCH_E2E_RATE (2000/s) for BENCH_E2E_SECONDS
 * (60); when that is not sustained, as long at the highest sustained step (BENCH_E2E_CONFIRM=off
 * to skip); last, BENCH_E2E_PROFILE_S (20) at the main rate with the services under
 * `node --cpu-prof` (BENCH_E2E_PROFILE=off to skip). Every run records CPU per event: the sum of
 * our processes' CPU over the events it moved. On a scaled stack (STACK_SENDERS, …) the emitters
 * are started round-robin on every sender; BENCH_E2E_NAME (e2e) names the result file. Each webhook
 * is registered at `/webhook/<customer_id>`, the ingress URL a customer is given, so a request is
 * checked against its customer's secret only; BENCH_INGEST_PATH=bare registers the seed's `/webhook`
 * (the keyring searched). The bare 202 servers answer any path.
 *
 *   npx tsx bench/e2e.ts          (needs the bench stack up: see bench/run.ts)
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { consumerParts, kafkaParts, livePid, senderParts, type PartName } from '@hookpipe/stack';
import { startCpuMeter } from './lib/cpu.js';
import { measureRun, waitSettled, type RunMeasure } from './lib/e2e-measure.js';
import { machineInfo } from './lib/machine.js';
import { formatProfile, summariseProfile, type ProfileSummary } from './lib/profile.js';
import { installSecrets, removeSecrets } from './lib/receiver.js';
import { envList, envNumber, ratio, writeResult } from './lib/results.js';
import { customerIngressPath, ingressPathFromEnv } from './lib/signed.js';
import { senderApi } from './lib/sender.js';
import {
  HANDLER_BENCH_ENV,
  handlerParts,
  openBenchContext,
  restartParts,
  restartProfiled,
  stackFile,
  startBaseline,
} from './lib/stack.js';

const settings = {
  webhooks: envNumber('BENCH_E2E_WEBHOOKS', 8),
  ingressPath: ingressPathFromEnv(),
  steps: envList('BENCH_E2E_STEPS', [250, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 5000]),
  stepSeconds: envNumber('BENCH_E2E_STEP_S', 12),
  rate: envNumber('BENCH_E2E_RATE', 2000),
  seconds: envNumber('BENCH_E2E_SECONDS', 60),
  concurrency: envNumber('BENCH_E2E_CONCURRENCY', 32),
  profile: process.env.BENCH_E2E_PROFILE !== 'off',
  baseline: process.env.BENCH_E2E_BASELINE !== 'off',
  name: process.env.BENCH_E2E_NAME ?? 'e2e',
  /** After the main run, 60 s at the highest sustained step (when below the main rate). */
  confirm: process.env.BENCH_E2E_CONFIRM !== 'off',
  warmupSeconds: envNumber('BENCH_E2E_WARMUP_S', 10),
  profileSeconds: envNumber('BENCH_E2E_PROFILE_S', 20),
  goal: { rate: 2000, p99_ms: 500 },
};

type Target = 'pipeline' | 'baseline';

/** Our processes' CPU (every group but the machine's and the load generator's) per event, in ms. */
const cpuPerEvent = (cores: Record<string, number>, eventsPerSecond: number): number => {
  const ours = Object.entries(cores)
    .filter(([k]) => k !== 'machine_busy' && k !== 'load_generator')
    .reduce((a, [, v]) => a + v, 0);
  return eventsPerSecond > 0 ? Math.round((ours / eventsPerSecond) * 1e6) / 1000 : 0;
};

async function main(): Promise<void> {
  const ctx = openBenchContext(true);
  const env = stackFile(ctx);
  if (!livePid(ctx, 'nginx') || !env.SENDER_URL) throw new Error('the bench stack is not up (bench/run.ts)');
  const urls = { databaseUrl: env.DATABASE_URL!, senderDatabaseUrl: env.SENDER_DATABASE_URL! };
  const machine = await machineInfo(ctx, urls.databaseUrl);
  const api = senderApi(env.SENDER_URL, env.SENDER_API_KEY!);
  const senderApis = (env.SENDER_URLS ?? env.SENDER_URL)
    .split(' ')
    .filter(Boolean)
    .map((u) => senderApi(u, env.SENDER_API_KEY!));
  const scale = {
    senders: ctx.state.senders,
    consumers: ctx.state.consumers,
    kafka_brokers: ctx.state.kafkaBrokers,
    handlers: handlerParts(ctx).length,
  };
  const runId = Date.now().toString(36);
  const baseline = await startBaseline(ctx);
  const pids = (parts: PartName[]) => parts.map((p) => livePid(ctx, p)).filter((p): p is number => !!p);
  const cpuGroups = (target: Target): Record<string, number[]> => ({
    sender: pids(senderParts(ctx.state)),
    postgres: pids(['postgres']),
    ...(target === 'pipeline'
      ? {
          nginx: pids(['nginx']),
          handlers: pids(handlerParts(ctx)),
          kafka: pids(kafkaParts(ctx.state)),
          consumer: pids(consumerParts(ctx.state)),
        }
      : { nginx: [baseline.nginxPid], servers: baseline.serverPids }),
  });

  // Several customers, one webhook each, per target; the receiver holds the pipeline's secrets.
  const hooks: Record<Target, { customerId: string; webhookId: string }[]> = { pipeline: [], baseline: [] };
  try {
    for (const target of ['pipeline', 'baseline'] as const) {
      const origin = target === 'pipeline' ? env.INGRESS_URL : baseline.origin;
      for (let i = 0; i < settings.webhooks; i++) {
        const customerId = `bench-${runId}-${target === 'pipeline' ? 'p' : 'b'}${i}`;
        const url = `${origin}${settings.ingressPath === 'customer' ? customerIngressPath(customerId) : '/webhook'}`;
        const { webhookId, secret } = await api.register(customerId, url);
        if (target === 'pipeline')
          await installSecrets(env.CONSUMER_URL!, env.RECEIVER_API_KEY!, [{ id: customerId, secret }]);
        hooks[target].push({ customerId, webhookId });
      }
    }
    const pipelineCustomers = hooks.pipeline.map((h) => h.customerId);
    // Handlers reload their keyring within about a second of a change.
    await new Promise((r) => setTimeout(r, 2500));

    const run = async (target: Target, rate: number, seconds: number, label: string): Promise<RunMeasure> => {
      const cpu = startCpuMeter(cpuGroups(target));
      const perHook = rate / hooks[target].length;
      const emitters = await Promise.all(
        hooks[target].map(async (h, i) => ({
          ...h,
          emitterId: await senderApis[i % senderApis.length]!.startEmitter(h.customerId, h.webhookId, {
            rate: perHook,
            duration: seconds,
            concurrency: settings.concurrency,
          }),
        })),
      );
      await new Promise((r) => setTimeout(r, seconds * 1000));
      const cores = cpu.stop();
      const settled = await waitSettled({
        api,
        urls,
        emitters,
        reconcileCustomers: target === 'pipeline' ? pipelineCustomers : undefined,
        timeoutMs: 180_000,
      });
      const m = await measureRun({
        urls,
        target,
        label,
        rate,
        seconds,
        emitters,
        settled,
        cpu: cores,
        goalP99Ms: settings.goal.p99_ms,
      });
      m.cpu_ms_per_event = cpuPerEvent(cores, m.achieved_rps);
      const l = target === 'pipeline' ? m.latency.created_to_persisted : m.latency.created_to_2xx;
      console.log(
        `  ${label.padEnd(22)} sent ${String(m.sent).padStart(7)} (${m.offered_rps}/s)  ${target === 'pipeline' ? 'persisted' : 'delivered'} ${m.achieved_rps}/s  p50 ${l.p50_ms.toFixed(1).padStart(7)}  p99 ${l.p99_ms.toFixed(1).padStart(7)}  p99.9 ${l.p999_ms.toFixed(1).padStart(7)} ms  ${m.sustained ? 'sustained' : 'NOT sustained'}  CPU ${m.cpu_ms_per_event} ms/event${m.reconcile ? `  reconcile missing ${m.reconcile.missing} duplicated ${m.reconcile.duplicated}` : ''}`,
      );
      return m;
    };

    console.log(
      `e2e: ${settings.webhooks} webhooks per target, rate steps ${settings.steps.join('/')}/s × ${settings.stepSeconds} s, then ${settings.rate}/s × ${settings.seconds} s`,
    );
    // Unmeasured warm-up of both paths (JIT, connection pools, the sender's claim loop).
    for (const target of settings.baseline ? (['baseline', 'pipeline'] as const) : (['pipeline'] as const)) {
      await run(target, settings.steps[0]!, settings.warmupSeconds, `warm-up ${target}`);
    }
    type StepRun = RunMeasure & { first_try?: RunMeasure };
    const steps: { rate: number; baseline?: StepRun; pipeline?: StepRun }[] = [];
    const stillGoing: Record<Target, boolean> = { baseline: settings.baseline, pipeline: true };
    for (const rate of settings.steps) {
      const step: (typeof steps)[number] = { rate };
      for (const target of ['baseline', 'pipeline'] as const) {
        if (!stillGoing[target]) continue;
        let m: StepRun = await run(target, rate, settings.stepSeconds, `${target} ${rate}/s`);
        // The machine is shared: a step is tried a second time before it counts as the limit,
        // the same for both targets (the first try stays in the result).
        if (!m.sustained) {
          const first = m;
          m = {
            ...(await run(target, rate, settings.stepSeconds, `${target} ${rate}/s again`)),
            first_try: first,
          };
        }
        step[target] = m;
        if (!m.sustained) stillGoing[target] = false;
      }
      steps.push(step);
      if (!stillGoing.baseline && !stillGoing.pipeline) break;
    }
    const ceiling = (t: Target) =>
      steps.filter((s) => s[t]?.sustained).reduce((a, s) => Math.max(a, s.rate), 0);

    // The main run: the goal's rate for a minute.
    const main = await run(
      'pipeline',
      settings.rate,
      settings.seconds,
      `main ${settings.rate}/s × ${settings.seconds}s`,
    );
    // When the main rate is above what the pipeline sustains, hold the highest sustained step for
    // as long, to show that rate holds for a minute too.
    const confirmRate = ceiling('pipeline');
    const confirm =
      settings.confirm && !main.sustained && confirmRate > 0 && confirmRate < settings.rate
        ? await run(
            'pipeline',
            confirmRate,
            settings.seconds,
            `ceiling ${confirmRate}/s × ${settings.seconds}s`,
          )
        : undefined;

    // A separate, shorter run at the main rate with the services under --cpu-prof (the profiler
    // costs CPU of its own, so the measured runs above go without it). Raw profiles stay with
    // the stack (tens of MB); their summaries go into e2e.json.
    let profiles: Record<string, ProfileSummary> = {};
    let profiled: RunMeasure | undefined;
    if (settings.profile) {
      const profileDir = path.join(ctx.dir, 'profiles');
      rmSync(profileDir, { recursive: true, force: true });
      await restartProfiled(ctx, ['sender'], ctx.state.overrides.sender ?? {}, profileDir);
      await restartProfiled(ctx, handlerParts(ctx), HANDLER_BENCH_ENV, profileDir);
      await restartProfiled(ctx, ['consumer'], ctx.state.overrides.consumer ?? {}, profileDir);
      profiled = await run(
        'pipeline',
        settings.rate,
        settings.profileSeconds,
        `profiled ${settings.rate}/s × ${settings.profileSeconds}s`,
      );
      await restartParts(ctx, ['sender'], ctx.state.overrides.sender ?? {});
      await restartParts(ctx, handlerParts(ctx), HANDLER_BENCH_ENV);
      await restartParts(ctx, ['consumer'], ctx.state.overrides.consumer ?? {});
      profiles = Object.fromEntries(
        (['sender', 'handler-1', 'consumer'] as const).map((p) => [
          p,
          summariseProfile(path.join(profileDir, `${p}.cpuprofile`)),
        ]),
      );
      console.log(`  CPU profiles of that run (${path.relative(process.cwd(), profileDir)}):`);
      for (const [p, s] of Object.entries(profiles)) console.log(formatProfile(p, s, 8).join('\n'));
    }

    const result = {
      date: new Date().toISOString(),
      machine,
      scale,
      settings: { ...settings, handler_env: HANDLER_BENCH_ENV },
      latency_definition:
        'created_to_persisted: the delivery row created_at in the sender outbox (the emitter enqueued the event) to events.persisted_at at the receiver; created_to_started: created_at to the delivered attempt started_at (outbox wait); started_to_persisted: that attempt started_at to persisted_at; received_to_persisted: events.received_at (the handler took the request) to persisted_at; created_to_2xx: created_at to the end of the 2xx attempt (started_at + duration_ms)',
      steps,
      ceiling: {
        pipeline_rps: ceiling('pipeline'),
        baseline_rps: ceiling('baseline'),
        ratio: ratio(ceiling('pipeline'), ceiling('baseline')),
        // Sustained at the last step: the ceiling is at least that (the steps end there).
        pipeline_capped: steps.at(-1)?.pipeline?.sustained === true,
        baseline_capped: steps.at(-1)?.baseline?.sustained === true,
      },
      main,
      ...(confirm ? { confirm } : {}),
      ...(profiled ? { profiled } : {}),
      goal: {
        ...settings.goal,
        met: main.sustained && main.offered_rps >= settings.goal.rate * 0.95,
      },
      profiles,
    };
    console.log(
      `  ceiling (highest sustained step): pipeline ${result.ceiling.pipeline_rps}/s, baseline (sender → bare 202) ${result.ceiling.baseline_rps}/s, ratio ${result.ceiling.ratio.toFixed(2)}`,
    );
    console.log(
      `  goal ${settings.goal.rate}/s with p99 < ${settings.goal.p99_ms} ms: ${result.goal.met ? 'met' : 'NOT met'}`,
    );
    console.log(`  wrote ${writeResult(`${settings.name}.json`, result)}`);
  } finally {
    await baseline.stop();
    // Verification tries every secret the receiver holds: leave the keyring as it was.
    await removeSecrets(
      urls.databaseUrl,
      hooks.pipeline.map((h) => h.customerId),
    ).catch(() => undefined);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
