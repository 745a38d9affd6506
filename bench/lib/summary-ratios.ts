import type { FloorRounds, Spread } from './ingest-rounds.js';

/* The parts of the summary that set same-run figures side by side: the handler against the
   kafkajs floor and the bare servers, and the scaled stack against the single one. */

const spread = (s: Spread, digits = 2) =>
  `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;
const ok = (yes: boolean) => (yes ? '**met**' : '**not met**');

/** The ingest scenario's floor rounds: handlers / kafkajs floor / bare 202 servers. */
export function floorLines(f: FloorRounds): string[] {
  const rows = f.rounds.map(
    (r, i) =>
      `| ${i + 1} (${r.order.join(', ')}) | ${r.bare.rps} | ${r.floor.rps} | ${r.handlers.rps} | ${r.handlers_to_floor.toFixed(2)} | ${r.handlers_to_bare.toFixed(2)} | ${r.floor_to_bare.toFixed(2)} | ${r.bare.upstream_cpu_ms_per_request} / ${r.floor.upstream_cpu_ms_per_request} / ${r.handlers.upstream_cpu_ms_per_request} |`,
  );
  const c = f.cpu_ms_per_request;
  return [
    `Handlers against the kafkajs floor (\`bench/kafka-floor.ts\` in the handlers' place: node:http and the same producer guarantees, nothing else) and the bare 202 servers, closed loop at ${f.concurrency}, ${f.rounds.length} round(s) of ${f.step_s} s each, the order mirrored from round to round:`,
    '',
    '| round (order) | bare req/s | floor req/s | handlers req/s | handlers / floor | handlers / bare | floor / bare | upstream CPU ms/request bare / floor / handlers |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows,
    '',
    `Median (min–max) over the rounds: handlers / floor **${spread(f.handlers_to_floor)}** — goal ≥ 0.90 ${ok(f.handlers_to_floor.median >= 0.9)}; handlers / bare ${spread(f.handlers_to_bare)}; floor / bare ${spread(f.floor_to_bare)}. CPU per request (ms) of what stands behind nginx: bare ${spread(c.bare.upstream, 3)}, floor ${spread(c.floor.upstream, 3)}, handlers ${spread(c.handlers.upstream, 3)}; with nginx and Kafka: bare ${spread(c.bare.tier, 3)}, floor ${spread(c.floor.tier, 3)}, handlers ${spread(c.handlers.tier, 3)}.`,
  ];
}

interface ScaleRun {
  label: string;
  offered_rps: number;
  achieved_rps: number;
  sustained: boolean;
  cpu_ms_per_event?: number;
  latency: { created_to_persisted: { p50_ms: number; p99_ms: number } };
  reconcile?: { missing: number; duplicated: number };
}
interface ScaleE2e {
  date: string;
  scale?: { senders: number; consumers: number; kafka_brokers: number; handlers: number };
  steps: { rate: number; pipeline?: ScaleRun }[];
  ceiling: { pipeline_rps: number; pipeline_capped?: boolean };
  main: ScaleRun;
}

const scaleName = (r: ScaleE2e) =>
  r.scale
    ? `${r.scale.senders} sender(s), ${r.scale.consumers} consumer(s), ${r.scale.kafka_brokers} broker(s), ${r.scale.handlers} handlers`
    : 'single';

const row = (stack: string, r: ScaleRun) =>
  `| ${stack} | ${r.label} | ${r.offered_rps} | ${r.achieved_rps} | ${r.latency.created_to_persisted.p50_ms.toFixed(0)} / ${r.latency.created_to_persisted.p99_ms.toFixed(0)} | ${r.reconcile ? `${r.reconcile.missing} / ${r.reconcile.duplicated}` : 'n/a'} | ${r.sustained ? 'yes' : 'no'} | ${r.cpu_ms_per_event ?? ''} |`;

/** The e2e scenario on the scaled stack next to the single stack's, from the same `make bench`. */
export function scaledLines(single: ScaleE2e | undefined, scaled: ScaleE2e): string[] {
  const ceiling = (r: ScaleE2e) =>
    r.ceiling.pipeline_rps === 0
      ? `below ${r.steps[0]?.rate ?? 0}/s (no step sustained)`
      : `${r.ceiling.pipeline_rps}/s${r.ceiling.pipeline_capped ? ' (or more: the last step)' : ''}`;
  const stepRows = (name: string, r: ScaleE2e) =>
    r.steps.flatMap((s) => (s.pipeline ? [row(name, s.pipeline)] : []));
  return [
    `### 3b. End to end, scaled stack (${scaled.date.slice(0, 16).replace('T', ' ')} UTC)`,
    '',
    `The e2e scenario on a scaled local stack (${scaleName(scaled)}; docs/scaling.md) after the single stack's, in the same run, on the same 2 cores. CPU per event: the sum of our processes' CPU (senders, PostgreSQL, nginx, handlers, brokers, consumers) over the events persisted. Each run reconciled after it.`,
    '',
    '| stack | run | offered/s | persisted/s | p50 / p99 ms | missing / duplicated | sustained | CPU ms/event |',
    '| --- | --- | ---: | ---: | --- | --- | --- | ---: |',
    ...(single ? [...stepRows('single', single), row('single', single.main)] : []),
    ...stepRows('scaled', scaled),
    row('scaled', scaled.main),
    '',
    `Ceiling (highest sustained step): ${single ? `single ${ceiling(single)}, ` : ''}scaled ${ceiling(scaled)}.`,
  ];
}
