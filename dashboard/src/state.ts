import type { HandlerFigures } from './handler-figures.js';
import { emptyWindow, type NginxWindow } from './nginx-log.js';
import type { PartitionOffsets, Sample } from './sampler.js';
import type { ReceiverTotals } from './schema.js';

/** One sparkline point: a rate per second over the interval ending at `t`, and a latency. */
export interface SeriesPoint {
  t: number;
  rate: number;
  ms: number | null;
}

export interface ReplicaState {
  target: string;
  handler_id: string | null;
  up: boolean;
  error: string | null;
  per_second: number;
  produce_ms: number | null;
  figures: HandlerFigures | null;
  series: SeriesPoint[];
}

export interface DashboardState {
  at: string | null;
  interval_ms: number | null;
  window_seconds: number;
  nginx: {
    configured: boolean;
    error: string | null;
    per_second: {
      requests: number;
      '2xx': number;
      '3xx': number;
      '4xx': number;
      '5xx': number;
      '429': number;
    };
    latency_ms: number | null;
    recent: NginxWindow;
    series: SeriesPoint[];
  };
  handlers: {
    configured: boolean;
    replicas: ReplicaState[];
    /** Counters since each replica started, added up over the replicas that answered. */
    verified: Record<string, number>;
    injected_faults: Record<string, number>;
    series: SeriesPoint[];
  };
  kafka: {
    error: string | null;
    topics: { topic: string; end_offset: number; per_second: number; series: SeriesPoint[] }[];
    lag: { total: number; partitions: PartitionOffsets[] };
  };
  consumer: {
    per_second: { persisted: number; retried: number; dead_lettered: number };
    latency: { p50_ms: number | null; max_ms: number | null } | null;
    latency_error: string | null;
    process: Record<string, number>;
    totals: ReceiverTotals | null;
    totals_error: string | null;
    series: SeriesPoint[];
  };
}

/** Rates over a longer gap (nobody looked for a while) would flatten into nonsense: no point then. */
export const MAX_GAP_MS = 30_000;

/** Growth of a counter; a counter that went down was reset (its process restarted). */
const growth = (before: number | undefined, after: number) =>
  before === undefined ? 0 : after >= before ? after - before : after;

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const rate = (n: number, ms: number) => round(n / (ms / 1000));
const meanMs = (seconds: number, count: number) => (count > 0 ? round((seconds / count) * 1000) : null);

const replicaKey = (h: Sample['handlers'][number]) =>
  h.up && h.figures.handler_id !== null ? h.figures.handler_id : h.target;
const requestsOf = (f: HandlerFigures) => Object.values(f.requests).reduce((s, n) => s + n, 0);
const partitionsOf = (s: Sample) => ('partitions' in s.kafka ? s.kafka.partitions : null);
const topicEnds = (parts: readonly PartitionOffsets[]) => {
  const ends = new Map<string, number>();
  for (const p of parts) ends.set(p.topic, (ends.get(p.topic) ?? 0) + p.end);
  return ends;
};

const addUp = (counts: readonly Record<string, number>[]) => {
  const sum: Record<string, number> = {};
  for (const c of counts) for (const [k, n] of Object.entries(c)) sum[k] = (sum[k] ?? 0) + n;
  return sum;
};

interface Pair {
  a: Sample;
  b: Sample;
  ms: number;
}

function pairs(history: readonly Sample[]): Pair[] {
  const out: Pair[] = [];
  for (let i = 1; i < history.length; i++) {
    const a = history[i - 1]!;
    const b = history[i]!;
    const ms = b.t - a.t;
    if (ms > 0 && ms <= MAX_GAP_MS) out.push({ a, b, ms });
  }
  return out;
}

function replicaPoint({ a, b, ms }: Pair, key: string): SeriesPoint | null {
  const now = b.handlers.find((h) => replicaKey(h) === key);
  const before = a.handlers.find((h) => replicaKey(h) === key);
  if (!now?.up || !before?.up) return null;
  const f = now.figures;
  const p = before.figures;
  const count = growth(p.produce.count, f.produce.count);
  const seconds =
    f.produce.count >= p.produce.count ? f.produce.seconds - p.produce.seconds : f.produce.seconds;
  return {
    t: b.t,
    rate: rate(growth(requestsOf(p), requestsOf(f)), ms),
    ms: meanMs(seconds, count),
  };
}

function nginxPart(history: readonly Sample[], ps: Pair[], configured: boolean): DashboardState['nginx'] {
  const recent = emptyWindow();
  for (const { b } of ps) {
    if (!b.nginx || !('window' in b.nginx)) continue;
    const w = b.nginx.window;
    recent.requests += w.requests;
    for (const k of ['2xx', '3xx', '4xx', '5xx'] as const) recent.statuses[k] += w.statuses[k];
    recent.rate_limited += w.rate_limited;
    recent.edge_rate_limited += w.edge_rate_limited;
    recent.request_time.seconds += w.request_time.seconds;
    recent.request_time.count += w.request_time.count;
    recent.skipped_bytes += w.skipped_bytes;
  }
  const series = ps.flatMap(({ b, ms }) =>
    b.nginx && 'window' in b.nginx
      ? [
          {
            t: b.t,
            rate: rate(b.nginx.window.requests, ms),
            ms: meanMs(b.nginx.window.request_time.seconds, b.nginx.window.request_time.count),
          },
        ]
      : [],
  );
  const lastPair = ps.at(-1)?.b === history.at(-1) ? ps.at(-1) : undefined;
  const last = lastPair?.b.nginx && 'window' in lastPair.b.nginx ? lastPair.b.nginx.window : emptyWindow();
  const ms = lastPair?.ms ?? 1000;
  const newest = history.at(-1)?.nginx;
  return {
    configured,
    error: newest && 'error' in newest ? newest.error : null,
    per_second: {
      requests: rate(last.requests, ms),
      '2xx': rate(last.statuses['2xx'], ms),
      '3xx': rate(last.statuses['3xx'], ms),
      '4xx': rate(last.statuses['4xx'], ms),
      '5xx': rate(last.statuses['5xx'], ms),
      '429': rate(last.rate_limited, ms),
    },
    latency_ms: meanMs(last.request_time.seconds, last.request_time.count),
    recent,
    series,
  };
}

function handlersPart(
  history: readonly Sample[],
  ps: Pair[],
  configured: boolean,
): DashboardState['handlers'] {
  const newest = history.at(-1);
  const replicas: ReplicaState[] = (newest?.handlers ?? []).map((h) => {
    const key = replicaKey(h);
    const series = ps.flatMap((p) => replicaPoint(p, key) ?? []);
    const last = ps.at(-1);
    const point = last && last.b === newest ? replicaPoint(last, key) : null;
    return {
      target: h.target,
      handler_id: h.up ? h.figures.handler_id : null,
      up: h.up,
      error: h.up ? null : h.error,
      per_second: point?.rate ?? 0,
      produce_ms: point?.ms ?? null,
      figures: h.up ? h.figures : null,
      series,
    };
  });
  // The tier: every replica's rate added up; latency, the mean of the replicas that sent.
  const series = ps.map((p) => {
    const points = [...new Set(p.b.handlers.map(replicaKey))].flatMap((k) => replicaPoint(p, k) ?? []);
    const withMs = points.filter((x) => x.ms !== null);
    return {
      t: p.b.t,
      rate: round(points.reduce((s, x) => s + x.rate, 0)),
      ms: withMs.length ? round(withMs.reduce((s, x) => s + x.ms!, 0) / withMs.length) : null,
    };
  });
  const up = replicas.flatMap((r) => (r.figures ? [r.figures] : []));
  return {
    configured,
    replicas,
    verified: addUp(up.map((f) => f.verified)),
    injected_faults: addUp(up.map((f) => f.injected_faults)),
    series,
  };
}

function kafkaPart(history: readonly Sample[], ps: Pair[]): DashboardState['kafka'] {
  const newest = history.at(-1);
  const parts = newest ? partitionsOf(newest) : null;
  const ends = topicEnds(parts ?? []);
  const seriesOf = (topic: string) =>
    ps.flatMap(({ a, b, ms }) => {
      const before = partitionsOf(a);
      const after = partitionsOf(b);
      if (!before || !after) return [];
      return [
        {
          t: b.t,
          rate: rate(growth(topicEnds(before).get(topic), topicEnds(after).get(topic) ?? 0), ms),
          ms: null,
        },
      ];
    });
  const consumed = (parts ?? []).filter((p) => p.lag !== null);
  return {
    error: newest && 'error' in newest.kafka ? newest.kafka.error : null,
    topics: [...ends].map(([topic, end]) => {
      const series = seriesOf(topic);
      const last = ps.at(-1);
      return {
        topic,
        end_offset: end,
        per_second: last && last.b === newest ? (series.at(-1)?.rate ?? 0) : 0,
        series,
      };
    }),
    lag: { total: consumed.reduce((s, p) => s + (p.lag ?? 0), 0), partitions: parts ?? [] },
  };
}

function consumerPart(
  history: readonly Sample[],
  ps: Pair[],
  totals: ReceiverTotals | null,
  totalsError: string | undefined,
): DashboardState['consumer'] {
  const newest = history.at(-1);
  const last = ps.at(-1);
  const perSecond = (name: string) =>
    last && last.b === newest ? rate(growth(last.a.counters[name], last.b.counters[name] ?? 0), last.ms) : 0;
  const latency = newest && !('error' in newest.latency) ? newest.latency : null;
  return {
    per_second: {
      persisted: perSecond('persisted'),
      retried: perSecond('retried'),
      dead_lettered: perSecond('dead_lettered'),
    },
    latency: latency ? { p50_ms: latency.p50_ms, max_ms: latency.max_ms } : null,
    latency_error: newest && 'error' in newest.latency ? newest.latency.error : null,
    process: newest?.counters ?? {},
    totals,
    totals_error: totalsError ?? null,
    series: ps.map(({ a, b, ms }) => ({
      t: b.t,
      rate: rate(growth(a.counters.persisted, b.counters.persisted ?? 0), ms),
      ms: 'error' in b.latency ? null : b.latency.p50_ms,
    })),
  };
}

/** The dashboard's view of the samples: current rates, recent totals, and a series per stage. */
export function deriveState(
  history: readonly Sample[],
  extra: {
    configured: { handlers: boolean; nginx: boolean };
    totals: ReceiverTotals | null;
    totalsError?: string;
  },
): DashboardState {
  const ps = pairs(history);
  const first = history[0];
  const newest = history.at(-1);
  const last = ps.at(-1);
  return {
    at: newest ? new Date(newest.t).toISOString() : null,
    interval_ms: last && last.b === newest ? last.ms : null,
    window_seconds: first && newest ? round((newest.t - first.t) / 1000, 1) : 0,
    nginx: nginxPart(history, ps, extra.configured.nginx),
    handlers: handlersPart(history, ps, extra.configured.handlers),
    kafka: kafkaPart(history, ps),
    consumer: consumerPart(history, ps, extra.totals, extra.totalsError),
  };
}
