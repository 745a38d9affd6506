import {
  collectStackSecrets,
  formatLeaks,
  reconcile,
  scanForSecrets,
  stackLogFiles,
  type KnownSecret,
  type ReconcileReport,
  type StackContext,
} from '@hookpipe/stack';
import { delay } from '@hookpipe/lib';
import type { Api } from '../../../cli/src/scenario/api.js';
import type { MachineInfo } from '../machine.js';
import type { ChaosEvent, ChaosStep } from './chaos.js';
import { judgeLifetimes, recoveries, verdict, type FaultSpan, type VerdictLine } from './goals.js';
import type { Recorder } from './recorder.js';
import { clock, formatVerdict, plotSoak } from './report.js';
import type { SoakSettings } from './settings.js';
import { emitterTotals, type SoakWebhook } from './traffic.js';

/**
 * Waits until the sender has a final outcome for every event of the soak and the receiver has
 * each delivered one (or the timeout), then returns the last reconcile. The emitters' counters
 * are polled first: a reconcile reads every message of the run.
 */
async function settle(
  ctx: { sender: Api; hooks: readonly SoakWebhook[]; urls: Parameters<typeof reconcile>[0]; scope: object },
  timeoutMs: number,
  log: (m: string) => void,
): Promise<ReconcileReport> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const totals = await emitterTotals(ctx.sender, ctx.hooks);
    if (totals?.pending === 0 || Date.now() > deadline) break;
    log(`settling: ${totals?.pending ?? '?'} deliveries still pending at the sender`);
    await delay(5000);
  }
  for (;;) {
    const report = await reconcile(ctx.urls, ctx.scope);
    if ((report.missing.length === 0 && report.pending === 0) || Date.now() > deadline) return report;
    log(`settling: ${report.missing.length} missing, ${report.pending} pending`);
    await delay(5000);
  }
}

/** Every secret and key the run used (from the databases when they answer). */
async function runSecrets(
  env: Record<string, string>,
  hooks: readonly SoakWebhook[],
  log: (m: string) => void,
): Promise<KnownSecret[]> {
  const known: KnownSecret[] = [
    { label: 'SENDER_API_KEY', value: env.SENDER_API_KEY! },
    { label: 'RECEIVER_API_KEY', value: env.RECEIVER_API_KEY! },
    { label: 'RECEIVER_SECRET', value: env.RECEIVER_SECRET! },
    ...hooks.map((h) => ({ label: `secret of soak webhook ${h.name}`, value: h.secret })),
  ];
  try {
    return await collectStackSecrets(
      { databaseUrl: env.DATABASE_URL!, senderDatabaseUrl: env.SENDER_DATABASE_URL! },
      known,
    );
  } catch (err) {
    log(
      `could not read the secrets from the databases (${(err as Error).message}): scanning for the known ones`,
    );
    return known;
  }
}

/** Settles, reconciles, scans the logs, judges the goals and builds the report. */
export async function finish(input: {
  ctx: StackContext;
  env: Record<string, string>;
  settings: SoakSettings;
  machine: MachineInfo;
  hooks: readonly SoakWebhook[];
  sender: Api;
  recorder: Recorder;
  events: readonly ChaosEvent[];
  plan: readonly ChaosStep[];
  startedAt: number;
  sendingEnd: number;
  replay: string;
  log: (m: string) => void;
}): Promise<{ report: object; svg: string; pass: boolean; verdictText: string }> {
  const { settings, env, recorder, log } = input;
  const urls = { databaseUrl: env.DATABASE_URL!, senderDatabaseUrl: env.SENDER_DATABASE_URL! };
  const scope = {
    customers: [...new Set(input.hooks.map((h) => h.customerId))],
    targetPrefix: `${env.INGRESS_URL}/`,
  };
  const settleStart = Date.now();
  const rec = await settle(
    { sender: input.sender, hooks: input.hooks, urls, scope },
    settings.settleTimeoutS * 1000,
    log,
  );
  log(
    `settled in ${Math.round((Date.now() - settleStart) / 1000)} s: ${rec.delivered} delivered, ${rec.persisted} persisted, ${rec.deadLettered} dead-lettered`,
  );

  const secrets = await runSecrets(env, input.hooks, log);
  const files = stackLogFiles(input.ctx.logsDir);
  const leaks = scanForSecrets(files, secrets);
  if (leaks.length) log(`secrets in the logs:\n${formatLeaks(leaks.slice(0, 20))}`);

  const rel = (ms: number) => Math.round(((ms - input.startedAt) / 1000) * 10) / 10;
  const faults: FaultSpan[] = input.events.map((e) => ({
    index: e.index,
    what: e.what,
    mark: e.mark,
    start: rel(e.startedAt),
    end: rel(e.endedAt),
    ...(e.error ? { error: e.error } : {}),
  }));
  const lifetimes = judgeLifetimes(recorder.lives(), faults, {
    warmupS: settings.warmupMinutes * 60,
    calmAfterS: settings.calmAfterS,
    minPoints: 6,
    rssFloorMb: settings.rssFloorMb,
  });
  const recovered = recoveries(recorder.probes, faults, input.sendingEnd, {
    rate: settings.rate,
    lagZeroS: settings.lagZeroS,
    throughputShare: settings.limits.throughputShare,
    windowS: 6,
    lagProbes: 3,
  });
  const reconcileSummary = {
    delivered: rec.delivered,
    persisted: rec.persisted,
    deadLettered: rec.deadLettered,
    missing: rec.missing.length,
    duplicated: rec.duplicated.length,
    unexpected: rec.unexpected.length,
    pending: rec.pending,
    failedAtSender: rec.failedAtSender,
    samples: [...rec.missing, ...rec.duplicated, ...rec.unexpected].slice(0, 10),
  };
  const lines: VerdictLine[] = verdict({
    reconcile: reconcileSummary,
    lifetimes,
    recoveries: recovered,
    faults,
    limits: settings.limits,
    judgeMemory: settings.judgeMemory,
    lagZero: settings.rate * settings.lagZeroS,
    secrets: { files: files.length, secrets: secrets.length, leaks: leaks.length },
  });
  const pass = lines.every((l) => l.judged === false || l.pass);
  const date = new Date(input.startedAt).toISOString();
  const report = {
    date,
    machine: input.machine,
    replay: `${input.replay} make soak`,
    settings,
    stack: { dir: input.ctx.dir, replicas: input.ctx.state.replicas, ports: input.ctx.state.ports },
    sending_s: input.sendingEnd,
    chaos: { planned: input.plan, done: faults },
    verdict: lines,
    pass,
    reconcile: reconcileSummary,
    recoveries: recovered,
    lifetimes: {
      judged: lifetimes.filter((l) => l.judged),
      not_judged: lifetimes
        .filter((l) => !l.judged)
        .map((l) => `${l.part} pid ${l.pid} (${clock(l.from)}–${clock(l.to)})`),
    },
    secrets: {
      files: files.map((f) => f.slice(input.ctx.dir.length + 1)),
      known: secrets.length,
      leaks: leaks.length,
    },
    samples: recorder.samples,
    probes: recorder.probes,
  };
  const svg = plotSoak({
    samples: recorder.samples,
    probes: recorder.probes,
    faults,
    rate: settings.rate,
    caption: `hookpipe soak, ${date.slice(0, 16).replace('T', ' ')} UTC, ${settings.minutes} min at ${settings.rate}/s, seed ${settings.seed}, ${input.machine.cores} cores, Node ${input.machine.node}: ${pass ? 'PASS' : 'FAIL'}`,
  });
  return { report, svg, pass, verdictText: formatVerdict(lines) };
}
