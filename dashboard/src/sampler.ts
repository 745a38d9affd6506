import { errorMessage, type Clock } from '@hookpipe/lib';
import type { HandlerScrape, HandlerScraper } from './handler-scrape.js';
import type { AccessLogReader, NginxWindow } from './nginx-log.js';
import type { ReceiverTotals } from './schema.js';
import { MAX_GAP_MS, deriveState, type DashboardState } from './state.js';

/** A topic partition's end offset and, for the consumed topics, the group's lag. */
export interface PartitionOffsets {
  topic: string;
  partition: number;
  end: number;
  committed: number | null;
  lag: number | null;
}

export interface PersistLatency {
  /** Events persisted since the previous sample (at most the query's cap). */
  count: number;
  p50_ms: number | null;
  max_ms: number | null;
}

/** Everything read at one instant; `state.ts` turns two of them into rates. */
export interface Sample {
  t: number;
  handlers: HandlerScrape[];
  nginx: { window: NginxWindow } | { error: string } | null;
  kafka: { partitions: PartitionOffsets[] } | { error: string };
  counters: Record<string, number>;
  latency: PersistLatency | { error: string };
}

export interface SamplerDeps {
  clock: Clock;
  handlers: HandlerScraper;
  nginx: AccessLogReader | null;
  kafka(): Promise<PartitionOffsets[]>;
  /** This consumer process's counters (persisted, retried, dead_lettered, …). */
  counters(): Record<string, number>;
  dbTotals(): Promise<ReceiverTotals>;
  persistLatency(since: Date): Promise<PersistLatency>;
  /** Samples kept for the sparklines (default 90: three minutes at one per 2 s). */
  historySize?: number;
  /** A state asked for sooner than this after the last sample reuses it (default 1000 ms). */
  minIntervalMs?: number;
  /** Longest wait for Kafka or the database per sample (default 2500 ms). */
  timeoutMs?: number;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const DB_TOTALS_TTL_MS = 5000;

/**
 * At most one call of `fn` at a time: a call made while one is pending shares it. A read that
 * outlives its timeout (Kafka or PostgreSQL down) is not started again on every sample.
 */
function singleFlight<A extends unknown[], T>(fn: (...args: A) => Promise<T>): (...args: A) => Promise<T> {
  let pending: Promise<T> | undefined;
  return (...args) => {
    pending ??= fn(...args).finally(() => {
      pending = undefined;
    });
    return pending;
  };
}

/**
 * Samples the pipeline on demand: nothing runs while nobody looks at the dashboard, and however
 * many tabs poll, one sample is taken at most every `minIntervalMs` (concurrent callers share it).
 */
export function makeDashboardSampler(deps: SamplerDeps) {
  const minIntervalMs = deps.minIntervalMs ?? 1000;
  const timeoutMs = deps.timeoutMs ?? 2500;
  const history: Sample[] = [];
  const historySize = deps.historySize ?? 90;
  let inFlight: Promise<void> | undefined;
  let totals: { at: number; value: ReceiverTotals | null; error?: string } | undefined;
  const readKafka = singleFlight(() => deps.kafka());
  const readLatency = singleFlight((since: Date) => deps.persistLatency(since));
  const readTotals = singleFlight(() => deps.dbTotals());

  async function take(): Promise<void> {
    const t = deps.clock();
    const previous = history.at(-1);
    const since = new Date(previous?.t ?? t - minIntervalMs);
    const [handlers, nginx, kafka, latency] = await Promise.all([
      deps.handlers.scrape(),
      deps.nginx
        ? deps.nginx.read().then(
            (window) => ({ window }),
            (err: unknown) => ({ error: errorMessage(err) }),
          )
        : Promise.resolve(null),
      withTimeout(readKafka(), timeoutMs, 'Kafka').then(
        (partitions) => ({ partitions }),
        (err: unknown) => ({ error: errorMessage(err) }),
      ),
      withTimeout(readLatency(since), timeoutMs, 'PostgreSQL').catch((err: unknown) => ({
        error: errorMessage(err),
      })),
      refreshTotals(t),
    ]);
    // After a long gap the old samples describe another time: the window starts again.
    if (previous && t - previous.t > MAX_GAP_MS) history.length = 0;
    history.push({ t, handlers, nginx, kafka, counters: { ...deps.counters() }, latency });
    if (history.length > historySize + 1) history.splice(0, history.length - historySize - 1);
  }

  async function refreshTotals(now: number): Promise<void> {
    if (totals && now - totals.at < DB_TOTALS_TTL_MS) return;
    try {
      totals = { at: now, value: await withTimeout(readTotals(), timeoutMs, 'PostgreSQL') };
    } catch (err) {
      totals = { at: now, value: null, error: errorMessage(err) };
    }
  }

  return {
    /** The dashboard's figures, sampling first when the last sample is older than `minIntervalMs`. */
    async state(): Promise<DashboardState> {
      const last = history.at(-1);
      if (!last || deps.clock() - last.t >= minIntervalMs) {
        inFlight ??= take().finally(() => {
          inFlight = undefined;
        });
        await inFlight;
      }
      return deriveState(history, {
        configured: { handlers: deps.handlers.configured, nginx: deps.nginx !== null },
        totals: totals?.value ?? null,
        ...(totals?.error === undefined ? {} : { totalsError: totals.error }),
      });
    },
  };
}

export type DashboardSampler = ReturnType<typeof makeDashboardSampler>;
