/**
 * The run's numbers, computed from what the sender recorded (its deliveries and their attempts)
 * and, for the stack, what the receiver recorded. Pure functions: collect.ts fetches the rows.
 */

/** A delivery as `GET /webhooks/{id}/deliveries` shows it. */
export interface DeliveryRow {
  delivery_id: string;
  message_id: string;
  fault: string | null;
  status: string;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
  finished_at: string | null;
}

export type AnswerClass = '2xx' | '3xx' | '4xx' | '5xx' | 'none';
export type AnswerCounts = Record<AnswerClass, number>;

export interface Measurements {
  /** Events of the run (faults aside) in the sender's outbox. */
  emitted: number;
  delivered: number;
  /** Delivered within `expect.delivered.within` of entering the outbox. */
  deliveredWithin?: number;
  /** Still pending (or held) at the end. */
  pending: number;
  /** Given up on by the sender (failed, canceled). */
  failed: number;
  /** From entering the outbox to the 2xx, retries included; null when nothing was delivered. */
  latencyMs: { p50: number | null; p99: number | null; max: number | null };
  attempts: { total: number; maxPerMessage: number };
  /** 2xx attempts / attempts, faults aside (as the sender's stats count it). */
  successRate: number | null;
  /** Answers to the emitted events' attempts, by class (when an answers expectation asks). */
  answers?: AnswerCounts & { injected5xx?: number; outsideInjected5xx?: number };
  faults: {
    sent: number;
    /** Final answers by kind: `{ "401": 12 }`, `error` for no answer, `pending` for not final yet. */
    byKind: Record<string, Record<string, number>>;
    /** Faults answered otherwise than a 4xx (duplicate_id: a 2xx), or without a final answer. */
    unexpected: number;
  };
  /** The most recent failure of an undelivered event, as the sender saw it. */
  lastError?: { messageId: string; status: number | null; error: string | null };
  /** target: stack */
  deadLettersOpen?: number;
  replayed?: number;
  reconcile?: {
    delivered: number;
    persisted: number;
    deadLettered: number;
    missing: number;
    duplicated: number;
    unexpected: number;
    pending: number;
    samples: string[];
  };
}

export const answerClass = (status: number | null): AnswerClass =>
  status === null ? 'none' : status >= 500 ? '5xx' : status >= 400 ? '4xx' : status >= 300 ? '3xx' : '2xx';

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

const FINAL_FAULT_OK = (kind: string, status: number | null) =>
  kind === 'duplicate_id' ? answerClass(status) === '2xx' : answerClass(status) === '4xx';

/** The sender-side measurements of a run's deliveries. */
export function summarizeDeliveries(
  rows: readonly DeliveryRow[],
  options: { withinMs?: number } = {},
): Omit<Measurements, 'answers' | 'deadLettersOpen' | 'replayed' | 'reconcile'> {
  const normal = rows.filter((r) => r.fault === null);
  const latencies: number[] = [];
  let attempts = 0;
  let maxPerMessage = 0;
  let pending = 0;
  let failed = 0;
  let last: DeliveryRow | undefined;
  for (const r of normal) {
    attempts += r.attempts;
    maxPerMessage = Math.max(maxPerMessage, r.attempts);
    if (r.status === 'delivered' && r.finished_at) {
      latencies.push(Date.parse(r.finished_at) - Date.parse(r.created_at));
      continue;
    }
    if (r.status === 'pending' || r.status === 'held') pending += 1;
    else failed += 1;
    if (
      r.attempts > 0 &&
      (!last || r.delivery_id.localeCompare(last.delivery_id, 'en', { numeric: true }) > 0)
    )
      last = r;
  }
  latencies.sort((a, b) => a - b);
  const byKind: Record<string, Record<string, number>> = {};
  let unexpected = 0;
  const faults = rows.filter((r) => r.fault !== null);
  for (const r of faults) {
    const final = r.status !== 'pending' && r.status !== 'held';
    const key = !final ? 'pending' : r.last_status_code === null ? 'error' : String(r.last_status_code);
    const kind = (byKind[r.fault!] ??= {});
    kind[key] = (kind[key] ?? 0) + 1;
    if (!final || !FINAL_FAULT_OK(r.fault!, r.last_status_code)) unexpected += 1;
  }
  return {
    emitted: normal.length,
    delivered: latencies.length,
    ...(options.withinMs === undefined
      ? {}
      : { deliveredWithin: latencies.filter((l) => l <= options.withinMs!).length }),
    pending,
    failed,
    latencyMs: {
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      max: latencies.length ? latencies[latencies.length - 1]! : null,
    },
    attempts: { total: attempts, maxPerMessage },
    successRate: attempts === 0 ? null : latencies.length / attempts,
    faults: { sent: faults.length, byKind, unexpected },
    ...(last
      ? { lastError: { messageId: last.message_id, status: last.last_status_code, error: last.last_error } }
      : {}),
  };
}

/**
 * Answer classes of every attempt of the emitted events, and the 5xx among them the receiver did
 * not inject: `statuses` maps a message id to its attempts' statuses; `injected` to the number of
 * 5xx answers the receiver's fault profile gave it.
 */
export function countAnswers(
  statuses: ReadonlyMap<string, readonly (number | null)[]>,
  injected?: ReadonlyMap<string, number>,
): NonNullable<Measurements['answers']> {
  const counts: AnswerCounts = { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, none: 0 };
  let injected5xx = 0;
  let outside = 0;
  for (const [id, list] of statuses) {
    let fives = 0;
    for (const s of list) {
      const c = answerClass(s);
      counts[c] += 1;
      if (c === '5xx') fives += 1;
    }
    const given = Math.min(fives, injected?.get(id) ?? 0);
    injected5xx += given;
    outside += fives - given;
  }
  return injected ? { ...counts, injected5xx, outsideInjected5xx: outside } : counts;
}
