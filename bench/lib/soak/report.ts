import { svg, type Chart, type Series } from '../plot.js';
import type { FaultSpan, Probe, VerdictLine } from './goals.js';
import type { PartReading } from './sample.js';

/** One 10-second sample as the report keeps it: per part, summed over its processes. */
export interface SampleRow {
  t: number;
  parts: Record<
    string,
    {
      pid: number;
      procs: number;
      /** VmRSS of the part's main process. */
      rss_mb: number;
      /** VmRSS − RssShmem summed over the part's processes (shared buffers counted once: not at all). */
      private_mb: number;
      heap_mb?: number;
      /** Open descriptors of the part's processes, the data stores' own files aside. */
      fds: number;
      /** The data stores' own files (PostgreSQL's relations, Kafka's segments). */
      data_fds: number;
      /** Of `fds`, sockets; of those, in CLOSE_WAIT. */
      sockets: number;
      close_wait: number;
      threads: number;
    }
  >;
  lag?: { events: number; retry: number; total: number };
  outbox?: number;
  persisted?: number;
  dead_lettered?: number;
  dead_letters_open?: number;
  /** Delivered per second (the sender's 2xx) over the last sample interval. */
  delivered_per_s?: number;
}

const mb = (kb: number) => Math.round(kb / 102.4) / 10;

/** A sample's per-part figures from the /proc readings. */
export function partsRow(readings: readonly PartReading[]): SampleRow['parts'] {
  const out: SampleRow['parts'] = {};
  for (const r of readings) {
    const main = r.processes.find((p) => p.pid === r.pid);
    out[r.part] = {
      pid: r.pid,
      procs: r.processes.length,
      rss_mb: mb(main?.rssKb ?? 0),
      private_mb: mb(r.processes.reduce((a, p) => a + p.rssKb - p.shmemKb, 0)),
      ...(r.heapUsedMb !== undefined ? { heap_mb: Math.round(r.heapUsedMb * 10) / 10 } : {}),
      fds: r.processes.reduce((a, p) => a + p.fds - p.dataFds, 0),
      data_fds: r.processes.reduce((a, p) => a + p.dataFds, 0),
      sockets: r.processes.reduce((a, p) => a + p.sockets, 0),
      close_wait: r.processes.reduce((a, p) => a + p.closeWait, 0),
      threads: r.processes.reduce((a, p) => a + p.threads, 0),
    };
  }
  return out;
}

/** `12:05`: minutes and seconds since the start. */
export const clock = (t: number) => `${Math.floor(t / 60)}:${String(Math.floor(t % 60)).padStart(2, '0')}`;

/** The progress line printed every sample. */
export function progressLine(row: SampleRow, rate: number, lastChaos: string | undefined): string {
  const top = Object.entries(row.parts)
    .sort((a, b) => b[1].private_mb - a[1].private_mb)
    .slice(0, 3)
    .map(([part, p]) => `${part} ${Math.round(p.private_mb)}`)
    .join(', ');
  const v = (x: number | undefined, digits = 0) => (x === undefined ? '–' : x.toFixed(digits));
  return [
    clock(row.t).padStart(6),
    `rate ${v(row.delivered_per_s)}/${rate}/s`,
    `lag ${v(row.lag?.total)}`,
    `outbox ${v(row.outbox)}`,
    `dead ${v(row.dead_letters_open)}`,
    `MB ${top}`,
    `last: ${lastChaos ?? 'none yet'}`,
  ].join('  ');
}

/** The verdict as aligned lines. */
export function formatVerdict(lines: readonly VerdictLine[]): string {
  const w = Math.max(...lines.map((l) => l.expectation.length));
  return lines
    .map(
      (l) =>
        `  ${l.judged === false ? 'info' : l.pass ? 'pass' : 'FAIL'}  ${l.expectation.padEnd(w)}  ${l.measured}  (limit ${l.limit})`,
    )
    .join('\n');
}

const COLORS = ['#1f6fb4', '#e67e22', '#27ae60', '#8e44ad', '#16a085', '#c0392b', '#7f8c8d', '#d4ac0d'];

/** Memory, descriptors, lag and throughput over time, with the chaos actions marked. */
export function plotSoak(input: {
  samples: readonly SampleRow[];
  probes: readonly Probe[];
  faults: readonly FaultSpan[];
  rate: number;
  caption: string;
}): string {
  const minutes = (t: number) => Math.round((t / 60) * 1000) / 1000;
  const parts = [...new Set(input.samples.flatMap((s) => Object.keys(s.parts)))];
  const perPart = (value: (p: SampleRow['parts'][string]) => number): Series[] =>
    parts.map((part, i) => ({
      name: part,
      color: COLORS[i % COLORS.length]!,
      dots: false,
      // A part down at a sample (stopped by the chaos) is a gap in its line.
      points: input.samples.map((s): [number, number] => [
        minutes(s.t),
        s.parts[part] ? value(s.parts[part]) : Number.NaN,
      ]),
    }));
  const markers = input.faults.map((f) => ({ x: minutes(f.start), to: minutes(f.end), label: f.mark }));
  // A probe without an answer (Kafka away) is a gap in the line.
  const lag = (topic: 'events' | 'retry') =>
    input.probes.map((p): [number, number] => [minutes(p.t), p.lag ? p.lag[topic] : Number.NaN]);
  const counted = input.probes.filter((p) => p.delivered !== undefined);
  // Delivered per second over ~10 s windows: the 2-s probes are too grainy to read.
  const throughput: [number, number][] = [];
  for (let a = 0, b = 0; b < counted.length; b++) {
    while (counted[b]!.t - counted[a]!.t > 10) a++;
    const span = counted[b]!.t - counted[a]!.t;
    if (span >= 8)
      throughput.push([minutes(counted[b]!.t), (counted[b]!.delivered! - counted[a]!.delivered!) / span]);
  }
  const endT = input.probes.at(-1)?.t ?? 0;
  const charts: Chart[] = [
    {
      title: 'Memory (VmRSS − RssShmem, all processes of a part)',
      xLabel: 'minutes',
      yLabel: 'MB',
      series: perPart((p) => p.private_mb),
      markers,
    },
    {
      title: 'Open descriptors (data files aside)',
      xLabel: 'minutes',
      yLabel: 'descriptors',
      series: perPart((p) => p.fds),
      markers,
    },
    {
      title: 'Consumer lag (from Kafka)',
      xLabel: 'minutes',
      yLabel: 'records',
      series: [
        {
          name: 'webhooks.events',
          color: COLORS[0]!,
          dots: false,
          points: lag('events'),
        },
        {
          name: 'webhooks.events.retry',
          color: COLORS[1]!,
          dots: false,
          points: lag('retry'),
        },
      ],
      markers,
    },
    {
      title: 'Throughput (sender 2xx)',
      xLabel: 'minutes',
      yLabel: 'events/s',
      series: [
        { name: 'delivered/s (10 s windows)', color: COLORS[2]!, dots: false, points: throughput },
        {
          name: "emitters' rate",
          color: '#888888',
          dashed: true,
          dots: false,
          points: [
            [0, input.rate],
            [minutes(endT), input.rate],
          ],
        },
      ],
      markers,
    },
  ];
  return svg(charts, input.caption, { columns: 2 });
}
