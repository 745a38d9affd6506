import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ReconcileCounts } from './e2e-measure.js';
import type { LatencySummary } from './histogram.js';
import type { FloorRounds } from './ingest-rounds.js';
import type { MachineInfo } from './machine.js';
import { floorLines, scaledLines } from './summary-ratios.js';

/* The result files' shapes, as far as the summary reads them. */
interface Load {
  rps: number;
  latency: LatencySummary;
  errors: Record<string, number>;
  cpu_cores?: Record<string, number>;
  records_per_send?: number;
  ms_per_send?: number;
}
interface Ingest {
  date: string;
  machine: MachineInfo;
  settings: { stepMs: number; customers: number };
  steps: { concurrency: number; baseline: Load; pipeline: Load; ratio_rps: number }[];
  peak: {
    pipeline_rps: number;
    pipeline_concurrency: number;
    baseline_rps: number;
    baseline_concurrency: number;
    ratio: number;
  };
  half_peak: { rate: number; baseline: Load; pipeline: Load };
  floor?: FloorRounds;
  goals: { throughput_ratio_at_least_0_5: boolean; p99_under_25ms_at_half_peak: boolean };
}
interface Consume {
  date: string;
  events: number;
  insert_batch_size: number;
  raw_insert: { rows_per_s: number };
  consumer: { events_per_s: number; drain_ms: number };
  ratio_consumer_to_raw: number;
}
interface KeyringStep extends Load {
  label: string;
  keyring_secrets: number;
  handler_cpu_ms_per_request: number;
  handler_rss_mib: number[];
}
interface Keyring {
  date: string;
  settings: { concurrency: number; stepMs: number; secrets: number; customers: number };
  steps: KeyringStep[];
  per_customer: { ratio_rps: number; ratio_cpu: number };
  bare?: { ratio_rps: number; ratio_cpu: number };
  goals: { flat_at_least_0_9: boolean };
}
interface Storage {
  date: string;
  postgres: { rows: number; bytes_per_event: number };
  kafka: { records: number; bytes_per_record_one_replica: number };
}
interface Run {
  label: string;
  rate: number;
  seconds: number;
  sent: number;
  offered_rps: number;
  achieved_rps: number;
  retried: number;
  latency: Record<
    'created_to_2xx' | 'created_to_started' | 'started_to_persisted' | 'created_to_persisted',
    LatencySummary
  >;
  reconcile?: ReconcileCounts;
  cpu_cores: Record<string, number>;
  cpu_ms_per_event?: number;
  sustained: boolean;
}
interface E2e {
  date: string;
  machine: MachineInfo;
  scale?: { senders: number; consumers: number; kafka_brokers: number; handlers: number };
  steps: { rate: number; baseline?: Run; pipeline?: Run }[];
  ceiling: {
    pipeline_rps: number;
    baseline_rps: number;
    ratio: number;
    pipeline_capped?: boolean;
    baseline_capped?: boolean;
  };
  main: Run;
  confirm?: Run;
  profiled?: Run;
  goal: { rate: number; p99_ms: number; met: boolean };
  profiles: Record<
    string,
    {
      busy_share: number;
      seconds: number;
      by_area: { area: string; share: number }[];
      top_functions: { function: string; share: number }[];
    }
  >;
}

const read = <T>(dir: string, name: string): T | undefined => {
  const file = path.join(dir, name);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined;
};
const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const pct = (v: number) => `${(v * 100).toFixed(0)}%`;
const errs = (e: Record<string, number>) =>
  Object.keys(e).length
    ? Object.entries(e)
        .map(([k, v]) => `${k}×${v}`)
        .join(' ')
    : '';
const cores = (c: Record<string, number> | undefined) =>
  c
    ? Object.entries(c)
        .map(([k, v]) => `${k} ${v.toFixed(2)}`)
        .join(', ')
    : '';
const met = (ok: boolean) => (ok ? '**met**' : '**not met**');

function machineLines(m: MachineInfo): string[] {
  return [
    `Machine: ${m.cpu_model}, ${m.cores} cores, ${m.memory_gib} GiB, ${m.os}; Node ${m.node}, Kafka ${m.kafka}, PostgreSQL ${m.postgres}, nginx ${m.nginx}. Load average when the bench started: ${m.loadavg_1m_at_start} (shared machine: every figure has its baseline from the same minutes).`,
  ];
}

function ingestLines(r: Ingest): string[] {
  const out = [
    `### 1. Ingest (${r.date.slice(0, 16).replace('T', ' ')} UTC)`,
    '',
    `Closed loop, ${r.settings.stepMs / 1000} s per step, ${r.settings.customers} customers, pre-signed distinct webhooks. Pipeline: nginx → 3 handlers → Kafka (acks=all). Baseline: the same nginx template → 3 bare Node servers answering 202.`,
    '',
    '| concurrency | baseline req/s | p50 / p99 / p99.9 ms | pipeline req/s | p50 / p99 / p99.9 ms | ratio | records per Kafka send | handlers CPU (cores) |',
    '| ---: | ---: | --- | ---: | --- | ---: | ---: | ---: |',
  ];
  for (const s of r.steps) {
    const b = s.baseline;
    const p = s.pipeline;
    out.push(
      `| ${s.concurrency} | ${b.rps} | ${ms(b.latency.p50_ms)} / ${ms(b.latency.p99_ms)} / ${ms(b.latency.p999_ms)} | ${p.rps}${errs(p.errors) ? ` (${errs(p.errors)})` : ''} | ${ms(p.latency.p50_ms)} / ${ms(p.latency.p99_ms)} / ${ms(p.latency.p999_ms)} | ${s.ratio_rps.toFixed(2)} | ${p.records_per_send ?? ''} | ${p.cpu_cores?.handlers?.toFixed(2) ?? ''} |`,
    );
  }
  const h = r.half_peak;
  out.push(
    '',
    `Peak: pipeline ${r.peak.pipeline_rps} req/s (c=${r.peak.pipeline_concurrency}) vs baseline ${r.peak.baseline_rps} req/s (c=${r.peak.baseline_concurrency}): ratio **${r.peak.ratio.toFixed(2)}** — goal ≥ 0.50 ${met(r.goals.throughput_ratio_at_least_0_5)}.`,
    '',
    `Fixed rate at half the pipeline's peak (${h.rate} req/s, latency from each request's scheduled time): pipeline p50 ${ms(h.pipeline.latency.p50_ms)} / p99 **${ms(h.pipeline.latency.p99_ms)}** / p99.9 ${ms(h.pipeline.latency.p999_ms)} ms; baseline p50 ${ms(h.baseline.latency.p50_ms)} / p99 ${ms(h.baseline.latency.p99_ms)} / p99.9 ${ms(h.baseline.latency.p999_ms)} ms — goal p99 < 25 ms ${met(r.goals.p99_under_25ms_at_half_peak)}.`,
    '',
    `CPU at the peak step (cores): pipeline ${cores(r.steps.find((s) => s.concurrency === r.peak.pipeline_concurrency)?.pipeline.cpu_cores)}; baseline ${cores(r.steps.find((s) => s.concurrency === r.peak.pipeline_concurrency)?.baseline.cpu_cores)}. \`machine_busy\` counts every process on the machine, other engineers' included.`,
    '',
    '![ingest: throughput and latency against concurrency](../bench/results/ingest.svg)',
  );
  if (r.floor) out.push('', ...floorLines(r.floor));
  return out;
}

function consumeLines(r: Consume): string[] {
  return [
    `### 2. Consume (${r.date.slice(0, 16).replace('T', ' ')} UTC)`,
    '',
    `${r.events} events pre-filled in a 6-partition topic, drained by the consumer's pipeline into \`events\` (insert batch ${r.insert_batch_size}).`,
    '',
    '| | rows/s |',
    '| --- | ---: |',
    `| baseline: raw multi-row INSERT of the same rows | ${r.raw_insert.rows_per_s} |`,
    `| consumer (Kafka → persisted) | ${r.consumer.events_per_s} |`,
    `| ratio | **${r.ratio_consumer_to_raw.toFixed(2)}** — goal ≥ 0.50 ${met(r.ratio_consumer_to_raw >= 0.5)} |`,
  ];
}

function runRow(r: Run, baseline: boolean): string {
  const l = baseline ? r.latency.created_to_2xx : r.latency.created_to_persisted;
  const rec = r.reconcile ? `${r.reconcile.missing} / ${r.reconcile.duplicated}` : 'n/a';
  return `| ${r.label} | ${r.offered_rps} | ${r.achieved_rps} | ${ms(l.p50_ms)} / ${ms(l.p99_ms)} / ${ms(l.p999_ms)} | ${ms(r.latency.created_to_started.p99_ms)} | ${r.retried} | ${rec} | ${r.sustained ? 'yes' : 'no'} | ${r.cpu_ms_per_event ?? ''} | ${cores(r.cpu_cores)} |`;
}

function e2eLines(r: E2e): string[] {
  const out = [
    `### 3. End to end (${r.date.slice(0, 16).replace('T', ' ')} UTC)`,
    '',
    "Latency: the delivery's `created_at` in the sender's outbox (the emitter enqueued the event) → the receiver's `events.persisted_at` (pipeline), or → the end of the 2xx attempt (baseline: the sender delivering to 3 bare 202 servers behind the same nginx template). Sustained = ≥ 95% of the rate emitted, everything delivered/persisted, p99 < 500 ms.",
    '',
    '| run | offered/s | achieved/s | p50 / p99 / p99.9 ms | outbox wait p99 ms | retried | missing / duplicated | sustained | CPU ms/event | CPU (cores) |',
    '| --- | ---: | ---: | --- | ---: | ---: | --- | --- | ---: | --- |',
  ];
  for (const s of r.steps) {
    if (s.baseline) out.push(runRow(s.baseline, true));
    if (s.pipeline) out.push(runRow(s.pipeline, false));
  }
  out.push(runRow(r.main, false));
  if (r.confirm) out.push(runRow(r.confirm, false));
  if (r.profiled) out.push(runRow(r.profiled, false));
  out.push(
    '',
    `Ceiling (highest sustained step, the same steps for both): pipeline ${r.ceiling.pipeline_rps}/s, sender alone (bare 202 receiver) ${r.ceiling.baseline_rps}/s${r.ceiling.baseline_capped ? ' (or more: sustained at the last step)' : ''}, ratio **${r.ceiling.ratio.toFixed(2)}** — goal ≥ 0.80 ${met(r.ceiling.ratio >= 0.8)}.${r.confirm ? ` Held for ${r.confirm.seconds} s at ${r.confirm.rate}/s: p99 ${ms(r.confirm.latency.created_to_persisted.p99_ms)} ms, ${r.confirm.sustained ? 'sustained' : 'not sustained'}.` : ''}`,
    `Main run ${r.main.rate}/s × ${r.main.seconds} s: p50 ${ms(r.main.latency.created_to_persisted.p50_ms)} ms, p99 **${ms(r.main.latency.created_to_persisted.p99_ms)}** ms; reconcile after it, over every pipeline event of the scenario so far: ${r.main.reconcile ? `${r.main.reconcile.delivered} delivered, ${r.main.reconcile.persisted} persisted, ${r.main.reconcile.missing} missing, ${r.main.reconcile.duplicated} duplicated` : 'n/a'} — goal ${r.goal.rate}/s with p99 < ${r.goal.p99_ms} ms ${met(r.goal.met)}.`,
  );
  if (Object.keys(r.profiles).length) {
    out.push(
      '',
      `CPU profiles (\`node --cpu-prof\`, the "profiled" run above; the profiler's own cost included), self time as a share of busy time:`,
      '',
    );
    for (const [name, p] of Object.entries(r.profiles)) {
      out.push(
        `- **${name}** (busy ${pct(p.busy_share)} of ${p.seconds} s): ${p.by_area
          .slice(0, 6)
          .map((a) => `${a.area} ${pct(a.share)}`)
          .join(', ')}. Top: ${p.top_functions
          .slice(0, 6)
          .map((f) => `\`${f.function}\` ${(f.share * 100).toFixed(1)}%`)
          .join(', ')}.`,
      );
    }
  }
  return out;
}

function keyringLines(r: Keyring): string[] {
  return [
    `### 4. Keyring (${r.date.slice(0, 16).replace('T', ' ')} UTC)`,
    '',
    `One customer's signed events through nginx at a closed loop of ${r.settings.concurrency} (${r.settings.stepMs / 1000} s per step), the keyring holding ${r.settings.customers} customers' secrets, then ${r.settings.secrets.toLocaleString('en')}, in turn.`,
    '',
    '| step | path | secrets | req/s | p50 / p99 ms | handlers CPU ms/request | handlers RSS MiB |',
    '| ---- | ---- | ------: | ----: | ------------ | ----------------------: | ---------------- |',
    ...r.steps.map(
      (s) =>
        `| ${s.label} | ${s.label.startsWith('bare') ? '`/webhook`' : '`/webhook/<customer_id>`'} | ${s.keyring_secrets} | ${s.rps} | ${s.latency.p50_ms.toFixed(1)} / ${s.latency.p99_ms.toFixed(1)} | ${s.handler_cpu_ms_per_request.toFixed(3)} | ${s.handler_rss_mib.join(' / ')} |`,
    ),
    '',
    `Per-customer path, ${r.settings.secrets.toLocaleString('en')} against ${r.settings.customers} customers (each round against the small runs either side): req/s **${r.per_customer.ratio_rps.toFixed(2)}**, CPU per request **${r.per_customer.ratio_cpu.toFixed(2)}** — goal ≥ 0.90 ${met(r.goals.flat_at_least_0_9)}.` +
      (r.bare
        ? ` The bare \`/webhook\` path (the small-keyring path) at the larger keyring: req/s ${r.bare.ratio_rps.toFixed(2)}, CPU per request ${r.bare.ratio_cpu.toFixed(2)}.`
        : ''),
  ];
}

const storageLines = (r: Storage): string[] => [
  `Bytes at rest (${r.date.slice(0, 16).replace('T', ' ')} UTC, after an e2e run): PostgreSQL \`events\` ${r.postgres.bytes_per_event} bytes per event with its indexes (${r.postgres.rows} rows); Kafka \`webhooks.events\` ${r.kafka.bytes_per_record_one_replica} bytes per record per replica (${r.kafka.records} records).`,
];

export const BEGIN = '<!-- bench:begin (written by `make bench`; edit outside these markers) -->';
export const END = '<!-- bench:end -->';

/** The markdown summary of whatever results exist in `dir`. */
export function summarise(dir: string): string {
  const ingest = read<Ingest>(dir, 'ingest.json');
  const consume = read<Consume>(dir, 'consume.json');
  const e2e = read<E2e>(dir, 'e2e.json');
  const keyring = read<Keyring>(dir, 'keyring.json');
  const storage = read<Storage>(dir, 'storage.json');
  const scaled = read<E2e>(dir, 'e2e-scaled.json');
  const machine = ingest?.machine ?? e2e?.machine;
  return [
    ...(machine ? machineLines(machine) : []),
    '',
    ...(ingest ? ingestLines(ingest) : ['### 1. Ingest', '', 'no result']),
    '',
    ...(consume ? consumeLines(consume) : ['### 2. Consume', '', 'no result']),
    '',
    ...(e2e ? e2eLines(e2e) : ['### 3. End to end', '', 'no result']),
    ...(storage ? ['', ...storageLines(storage)] : []),
    ...(scaled ? ['', ...scaledLines(e2e, scaled)] : []),
    '',
    ...(keyring ? keyringLines(keyring) : ['### 4. Keyring', '', 'no result']),
    '',
  ].join('\n');
}

/** Replaces the generated section of docs/benchmarks.md (between the markers). */
export function updateDoc(file: string, summary: string): void {
  const text = readFileSync(file, 'utf8');
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error(`${file} has no ${BEGIN} … ${END} section`);
  writeFileSync(file, `${text.slice(0, a + BEGIN.length)}\n${summary}\n${text.slice(b)}`);
}
