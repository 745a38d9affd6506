import pg from 'pg';
import { reconcileWhenSettled, type ReconcileReport } from '../../stack/src/reconcile.js';
import { makeLatencyHistogram, type LatencySummary } from './histogram.js';
import type { SenderApi } from './sender.js';

interface Urls {
  databaseUrl: string;
  senderDatabaseUrl: string;
}

interface EmitterRef {
  customerId: string;
  webhookId: string;
  emitterId: string;
}

async function query<R extends pg.QueryResultRow>(url: string, sql: string, params: unknown[]): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

const poll = async (check: () => Promise<boolean>, timeoutMs: number, what: string) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
};

export interface Settled {
  settle_ms: number;
  reconcile?: ReconcileReport;
}

/**
 * Waits until the emitters completed and the sender has nothing pending for them, then (for the
 * pipeline) until the receiver holds every delivered event: the reconciliation report.
 */
export async function waitSettled(options: {
  api: SenderApi;
  urls: Urls;
  emitters: EmitterRef[];
  reconcileCustomers: string[] | undefined;
  timeoutMs: number;
}): Promise<Settled> {
  const started = Date.now();
  const ids = options.emitters.map((e) => e.emitterId);
  await poll(
    async () => {
      const states = await Promise.all(
        options.emitters.map((e) => options.api.emitter(e.webhookId, e.emitterId)),
      );
      return states.every((s) => s.status !== 'running');
    },
    options.timeoutMs,
    'the emitters to complete',
  );
  await poll(
    async () => {
      const [row] = await query<{ n: string }>(
        options.urls.senderDatabaseUrl,
        `SELECT count(*) AS n FROM deliveries WHERE emitter_id = ANY($1) AND status IN ('pending', 'held')`,
        [ids],
      );
      return Number(row!.n) === 0;
    },
    options.timeoutMs,
    'the sender to finish delivering',
  );
  const reconcile = options.reconcileCustomers
    ? await reconcileWhenSettled(
        options.urls,
        { customers: options.reconcileCustomers },
        { timeoutMs: options.timeoutMs },
      )
    : undefined;
  return { settle_ms: Date.now() - started, ...(reconcile ? { reconcile } : {}) };
}

/** A run's reconcile, as its result file keeps it. */
export interface ReconcileCounts {
  delivered: number;
  persisted: number;
  missing: number;
  duplicated: number;
  unexpected: number;
}

export interface RunMeasure {
  label: string;
  target: 'pipeline' | 'baseline';
  rate: number;
  seconds: number;
  /** Events the emitters wrote to the outbox, and that per second of the run. */
  sent: number;
  offered_rps: number;
  /** Delivered (baseline) or persisted (pipeline) events over first enqueue → last outcome. */
  achieved_rps: number;
  delivered: number;
  persisted: number;
  /** Deliveries that needed more than one attempt, and the statuses of the failed attempts. */
  retried: number;
  failed_attempt_statuses: Record<string, number>;
  latency: {
    created_to_2xx: LatencySummary;
    created_to_started: LatencySummary;
    started_to_persisted: LatencySummary;
    /** The handler's received-at (the Kafka header) to persisted: Kafka → consumer → PostgreSQL. */
    received_to_persisted: LatencySummary;
    created_to_persisted: LatencySummary;
  };
  settle_ms: number;
  reconcile?: ReconcileCounts;
  cpu_cores: Record<string, number>;
  /** Our processes' CPU (sender, PostgreSQL, nginx, handlers, Kafka, consumer) per event, in ms. */
  cpu_ms_per_event?: number;
  sustained: boolean;
}

/** Reads both databases for one run's emitters and computes its throughput and latencies. */
export async function measureRun(options: {
  urls: Urls;
  target: 'pipeline' | 'baseline';
  label: string;
  rate: number;
  seconds: number;
  emitters: EmitterRef[];
  settled: Settled;
  cpu: Record<string, number>;
  goalP99Ms: number;
}): Promise<RunMeasure> {
  const ids = options.emitters.map((e) => e.emitterId);
  const rows = await query<{
    message_id: string;
    created_ms: string;
    started_ms: string | null;
    duration_ms: number | null;
    attempts: number;
  }>(
    options.urls.senderDatabaseUrl,
    `SELECT d.message_id, extract(epoch FROM d.created_at) * 1000 AS created_ms,
            extract(epoch FROM a.started_at) * 1000 AS started_ms, a.duration_ms, d.attempts
       FROM deliveries d
       LEFT JOIN delivery_attempts a ON a.delivery_id = d.id AND a.outcome = 'delivered'
      WHERE d.emitter_id = ANY($1)`,
    [ids],
  );
  const failed = await query<{ status: string; n: string }>(
    options.urls.senderDatabaseUrl,
    `SELECT coalesce(a.status_code::text, 'none') AS status, count(*) AS n
       FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
      WHERE d.emitter_id = ANY($1) AND a.outcome <> 'delivered' GROUP BY 1`,
    [ids],
  );
  const persistedAt = new Map<string, number>();
  const receivedAt = new Map<string, number>();
  if (options.target === 'pipeline') {
    const got = await query<{ webhook_id: string; received_ms: string; persisted_ms: string }>(
      options.urls.databaseUrl,
      `SELECT webhook_id, extract(epoch FROM received_at) * 1000 AS received_ms,
              extract(epoch FROM persisted_at) * 1000 AS persisted_ms
         FROM events WHERE webhook_id = ANY($1)`,
      [rows.map((r) => r.message_id)],
    );
    for (const r of got) {
      persistedAt.set(r.webhook_id, Number(r.persisted_ms));
      receivedAt.set(r.webhook_id, Number(r.received_ms));
    }
  }
  const h = {
    created_to_2xx: makeLatencyHistogram(),
    created_to_started: makeLatencyHistogram(),
    started_to_persisted: makeLatencyHistogram(),
    received_to_persisted: makeLatencyHistogram(),
    created_to_persisted: makeLatencyHistogram(),
  };
  let firstCreated = Infinity;
  let lastDone = 0;
  let delivered = 0;
  let retried = 0;
  for (const r of rows) {
    const created = Number(r.created_ms);
    firstCreated = Math.min(firstCreated, created);
    if (r.attempts > 1) retried += 1;
    if (r.started_ms === null) continue;
    delivered += 1;
    const started = Number(r.started_ms);
    const ended = started + (r.duration_ms ?? 0);
    h.created_to_2xx.recordMs(ended - created);
    h.created_to_started.recordMs(started - created);
    const persisted = persistedAt.get(r.message_id);
    if (persisted !== undefined) {
      h.started_to_persisted.recordMs(persisted - started);
      h.received_to_persisted.recordMs(persisted - receivedAt.get(r.message_id)!);
      h.created_to_persisted.recordMs(persisted - created);
      lastDone = Math.max(lastDone, persisted);
    } else if (options.target === 'baseline') lastDone = Math.max(lastDone, ended);
  }
  const done = options.target === 'pipeline' ? persistedAt.size : delivered;
  const latency = {
    created_to_2xx: h.created_to_2xx.summary(),
    created_to_started: h.created_to_started.summary(),
    started_to_persisted: h.started_to_persisted.summary(),
    received_to_persisted: h.received_to_persisted.summary(),
    created_to_persisted: h.created_to_persisted.summary(),
  };
  Object.values(h).forEach((x) => x.destroy());
  const offered = Math.round(rows.length / options.seconds);
  const r = options.settled.reconcile;
  const headline = options.target === 'pipeline' ? latency.created_to_persisted : latency.created_to_2xx;
  const complete = options.target === 'pipeline' ? !!r && r.missing.length === 0 : delivered === rows.length;
  return {
    label: options.label,
    target: options.target,
    rate: options.rate,
    seconds: options.seconds,
    sent: rows.length,
    offered_rps: offered,
    achieved_rps: lastDone > firstCreated ? Math.round(done / ((lastDone - firstCreated) / 1000)) : 0,
    delivered,
    persisted: persistedAt.size,
    retried,
    failed_attempt_statuses: Object.fromEntries(failed.map((f) => [f.status, Number(f.n)])),
    latency,
    settle_ms: options.settled.settle_ms,
    ...(r
      ? {
          reconcile: {
            delivered: r.delivered,
            persisted: r.persisted,
            missing: r.missing.length,
            duplicated: r.duplicated.length,
            unexpected: r.unexpected.length,
          },
        }
      : {}),
    cpu_cores: options.cpu,
    sustained: complete && offered >= options.rate * 0.95 && headline.p99_ms < options.goalP99Ms,
  };
}
