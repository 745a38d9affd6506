import { svg, type Chart, type Series } from '../plot.js';
import type { MachineInfo } from '../machine.js';
import type { PhaseResult } from './phase.js';

const ms = (x: number | null) => (x === null ? '–' : `${x} ms`);

/** A few lines per phase for the console. */
export function summaryLines(r: PhaseResult): string[] {
  const mem = (when: 'before' | 'outage' | 'after') =>
    Object.entries(r.memory[when])
      .map(([part, m]) => `${part} ${m.rss_max_mb ?? '–'}/${m.heap_max_mb ?? '–'}`)
      .join(', ');
  return [
    `  ${r.part} stopped ${r.outage_s} s (timeline ${JSON.stringify(r.timeline_s)})`,
    `  answers before ${JSON.stringify(r.answers.before)}, during ${JSON.stringify(r.answers.outage)}, after ${JSON.stringify(r.answers.after)}`,
    `  503 while stopped (service / from due): p50 ${ms(r.latency.outage_503.service.p50_ms)} / ${ms(r.latency.outage_503.fromDue.p50_ms)}, p99 ${ms(r.latency.outage_503.service.p99_ms)} / ${ms(r.latency.outage_503.fromDue.p99_ms)}, max ${ms(r.latency.outage_503.service.max_ms)} (${r.latency.outage_503.service.count})`,
    `  while stopping: p99 ${ms(r.latency.stopping_all.service.p99_ms)}, max ${ms(r.latency.stopping_all.service.max_ms)}; 202 p99 before ${ms(r.latency.before_202.service.p99_ms)}, after ${ms(r.latency.after_202.service.p99_ms)}`,
    `  202 again (≥ 99% for 5 s) ${r.accepted_again_s ?? 'never'} s after ${r.part} was back; lag peak ${r.lag.peak}, back to ≤ ${r.lag.zero} ${r.lag.drained_s ?? 'never'} s after`,
    `  load generator's event-loop delay p99 ${r.generator_loop_delay_ms.p99} ms, max ${r.generator_loop_delay_ms.max} ms`,
    `  RSS/heap max MB before: ${mem('before')}`,
    `  RSS/heap max MB during: ${mem('outage')}`,
    `  RSS/heap max MB after:  ${mem('after')}`,
  ];
}

const COLORS = ['#1f6fb4', '#e67e22', '#27ae60', '#8e44ad', '#c0392b', '#7f8c8d'];

function phaseCharts(r: PhaseResult): Chart[] {
  const markers = [{ x: r.timeline_s.stop_began, to: r.timeline_s.back, label: `${r.part} stopped` }];
  const parts = Object.keys(r.series.memory).filter((p) =>
    r.part === 'kafka' ? p !== 'consumer' : p === 'consumer',
  );
  const memory: Series[] = parts.flatMap((part, i) => {
    const list = r.series.memory[part] ?? [];
    const rss: Series = {
      name: `${part} RSS`,
      color: COLORS[i % COLORS.length]!,
      dots: false,
      points: list.map((x) => [x.t, x.rss_mb]),
    };
    const heap = list.filter((x) => x.heap_mb !== undefined);
    return heap.length
      ? [rss, { ...rss, name: `${part} heap`, dashed: true, points: heap.map((x) => [x.t, x.heap_mb!]) }]
      : [rss];
  });
  const traffic: Chart =
    r.part === 'kafka'
      ? {
          title: 'Kafka stopped: answers per second',
          xLabel: 'seconds',
          yLabel: 'answers/s (by due time)',
          series: [
            {
              name: '202',
              color: COLORS[2]!,
              dots: false,
              points: r.per_second.map((s) => [s.t, s.accepted]),
            },
            {
              name: '503',
              color: COLORS[4]!,
              dots: false,
              points: r.per_second.map((s) => [s.t, s.unavailable]),
            },
            {
              name: 'other',
              color: COLORS[5]!,
              dots: false,
              points: r.per_second.map((s) => [s.t, s.other]),
            },
          ],
          markers,
        }
      : {
          title: 'PostgreSQL stopped: consumer lag',
          xLabel: 'seconds',
          yLabel: 'records',
          series: [
            {
              name: 'lag (events + retry)',
              color: COLORS[0]!,
              dots: false,
              points: r.series.lag.map((l): [number, number] => [l.t, l.lag ?? Number.NaN]),
            },
          ],
          markers,
        };
  return [
    traffic,
    {
      title: `${r.part === 'kafka' ? 'Handlers' : 'Consumer'}: memory`,
      xLabel: 'seconds',
      yLabel: 'MB',
      series: memory,
      markers,
    },
  ];
}

/** Each phase's traffic (or lag) and memory over time, the outage marked. */
export function plotPressure(result: {
  date: string;
  machine: MachineInfo;
  settings: { rate: number };
  phases: PhaseResult[];
}): string {
  return svg(
    result.phases.flatMap(phaseCharts),
    `hookpipe under pressure, ${result.date.slice(0, 16).replace('T', ' ')} UTC, ${result.settings.rate} events/s, ${result.machine.cores} cores, Node ${result.machine.node}`,
    { columns: 2 },
  );
}
