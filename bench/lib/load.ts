import { Pool } from 'undici';
import { makeLatencyHistogram, type LatencySummary } from './histogram.js';

/** One request of a load run: headers and body, and the path when it is not the run's. */
export interface BenchRequest {
  headers: Record<string, string>;
  body: Buffer;
  /** Overrides the run's path (the per-customer ingress path `/webhook/<customer_id>`). */
  path?: string;
}

export interface LoadResult {
  mode: 'closed' | 'fixed-rate';
  /** Closed loop: requests kept in flight. Fixed rate: the cap on requests in flight. */
  concurrency: number;
  /** Fixed rate only: the rate asked for. */
  target_rps?: number;
  duration_s: number;
  /** Answers with the expected status inside the measured window. */
  ok: number;
  /** Other answers and transport errors inside the window, by status or error code. */
  errors: Record<string, number>;
  /** `ok` per second of the window. */
  rps: number;
  /** Latency of the ok answers (fixed rate: from the request's scheduled time, so a queue shows). */
  latency: LatencySummary;
}

interface RunOptions {
  origin: string;
  path: string;
  durationMs: number;
  /** Traffic before the window (connections, JIT, batchers): sent, not counted. */
  warmupMs: number;
  next: () => BenchRequest;
  expectStatus: number;
}

const errorKey = (err: unknown): string => {
  const e = err as { code?: unknown; name?: unknown };
  return `error:${typeof e.code === 'string' ? e.code : typeof e.name === 'string' ? e.name : 'unknown'}`;
};

function makePool(origin: string, connections: number): Pool {
  return new Pool(origin, {
    connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  });
}

/** A run's result from its counts and latencies; the histogram is freed. */
function finishRun(
  hist: ReturnType<typeof makeLatencyHistogram>,
  mode: Pick<LoadResult, 'mode' | 'concurrency' | 'target_rps'>,
  durationMs: number,
  ok: number,
  errors: Record<string, number>,
): LoadResult {
  const result: LoadResult = {
    ...mode,
    duration_s: durationMs / 1000,
    ok,
    errors,
    rps: Math.round(ok / (durationMs / 1000)),
    latency: hist.summary(),
  };
  hist.destroy();
  return result;
}

/** One POST; resolves with the status (or an error key) — never rejects. */
async function send(pool: Pool, path: string, req: BenchRequest): Promise<string> {
  try {
    const res = await pool.request({
      path: req.path ?? path,
      method: 'POST',
      headers: req.headers,
      body: req.body,
    });
    await res.body.dump();
    return String(res.statusCode);
  } catch (err) {
    return errorKey(err);
  }
}

/**
 * Closed loop: `concurrency` workers, each sending its next request as soon as the previous one
 * answered, over as many kept-alive connections. Measures the throughput the target sustains at
 * that concurrency and the latency it takes.
 */
export async function runClosedLoop(options: RunOptions & { concurrency: number }): Promise<LoadResult> {
  const pool = makePool(options.origin, options.concurrency);
  const hist = makeLatencyHistogram();
  const errors: Record<string, number> = {};
  const started = performance.now();
  const from = started + options.warmupMs;
  const until = from + options.durationMs;
  let ok = 0;
  const worker = async () => {
    for (;;) {
      const t0 = performance.now();
      if (t0 >= until) return;
      const status = await send(pool, options.path, options.next());
      const t1 = performance.now();
      if (t0 < from || t1 > until) continue;
      if (status === String(options.expectStatus)) {
        ok += 1;
        hist.recordMs(t1 - t0);
      } else errors[status] = (errors[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  await pool.close();
  return finishRun(
    hist,
    { mode: 'closed', concurrency: options.concurrency },
    options.durationMs,
    ok,
    errors,
  );
}

/**
 * Open loop at a fixed rate: request i is due at start + i/rate whatever the answers do, with at
 * most `maxInFlight` outstanding (a request over the cap waits, and its wait counts). Latency is
 * measured from the due time, so a target that falls behind shows it (no coordinated omission).
 */
export async function runFixedRate(
  options: RunOptions & {
    rate: number;
    maxInFlight: number;
    /**
     * Every answer, warm-up included: its due time (ms since the run's start), status, latency
     * from the due time and from the moment it was sent.
     */
    onAnswer?: (answer: { dueMs: number; status: string; ms: number; serviceMs: number }) => void;
  },
): Promise<LoadResult> {
  const pool = makePool(options.origin, options.maxInFlight);
  const hist = makeLatencyHistogram();
  const errors: Record<string, number> = {};
  const interval = 1000 / options.rate;
  const started = performance.now();
  const from = started + options.warmupMs;
  const until = from + options.durationMs;
  const total = Math.floor((options.warmupMs + options.durationMs) / interval);
  let issued = 0;
  let inFlight = 0;
  let ok = 0;
  let finished!: () => void;
  const done = new Promise<void>((r) => (finished = r));

  const fire = (due: number) => {
    inFlight += 1;
    const sent = performance.now();
    void send(pool, options.path, options.next()).then((status) => {
      inFlight -= 1;
      const t1 = performance.now();
      options.onAnswer?.({ dueMs: due - started, status, ms: t1 - due, serviceMs: t1 - sent });
      if (due >= from && due < until) {
        if (status === String(options.expectStatus)) {
          ok += 1;
          hist.recordMs(t1 - due);
        } else errors[status] = (errors[status] ?? 0) + 1;
      }
      pump();
    });
  };
  const pump = () => {
    const now = performance.now();
    while (issued < total && inFlight < options.maxInFlight) {
      const due = started + issued * interval;
      if (due > now) break;
      issued += 1;
      fire(due);
    }
    if (issued >= total && inFlight === 0) finished();
  };
  const timer = setInterval(pump, 1);
  pump();
  await done;
  clearInterval(timer);
  await pool.close();
  return finishRun(
    hist,
    { mode: 'fixed-rate', concurrency: options.maxInFlight, target_rps: options.rate },
    options.durationMs,
    ok,
    errors,
  );
}
