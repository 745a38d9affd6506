/**
 * What the pressure runs measured, as pure functions of the answers the load generator got and
 * the readings taken each second. Times are seconds since the load started.
 */

/**
 * One answer: when the request was due, its status (or `error:<code>`), its latency from then
 * (`ms`: what a sender waiting its turn sees) and from when it was sent (`serviceMs`: the stack).
 */
export interface Answer {
  t: number;
  status: string;
  ms: number;
  serviceMs: number;
}

export interface Percentiles {
  count: number;
  p50_ms: number | null;
  p99_ms: number | null;
  max_ms: number | null;
}

/** Nearest-rank percentiles of the latencies. */
export function percentiles(ms: readonly number[]): Percentiles {
  const s = [...ms].sort((a, b) => a - b);
  const at = (p: number) =>
    s.length ? s[Math.min(s.length, Math.max(1, Math.ceil(p * s.length))) - 1]! : null;
  const round = (x: number | null) => (x === null ? null : Math.round(x * 10) / 10);
  return {
    count: s.length,
    p50_ms: round(at(0.5)),
    p99_ms: round(at(0.99)),
    max_ms: round(s.at(-1) ?? null),
  };
}

/** Answers due in [from, to) by status: `{ "202": 19876, "503": 12 }`. */
export function statusCounts(answers: readonly Answer[], from: number, to: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of answers) if (a.t >= from && a.t < to) out[a.status] = (out[a.status] ?? 0) + 1;
  return out;
}

/**
 * Latency percentiles of the answers due in [from, to) with one of `statuses` (all when empty),
 * from the due time and from the send.
 */
export function latencyOf(
  answers: readonly Answer[],
  from: number,
  to: number,
  statuses: readonly string[] = [],
): { fromDue: Percentiles; service: Percentiles } {
  const picked = answers.filter(
    (a) => a.t >= from && a.t < to && (statuses.length === 0 || statuses.includes(a.status)),
  );
  return {
    fromDue: percentiles(picked.map((a) => a.ms)),
    service: percentiles(picked.map((a) => a.serviceMs)),
  };
}

/** Per second of due time: how many got each class of answer, and the p99 of that second. */
export interface SecondRow {
  t: number;
  accepted: number;
  unavailable: number;
  other: number;
  p99_ms: number | null;
}

export function perSecond(answers: readonly Answer[], accepted = '202'): SecondRow[] {
  const rows = new Map<number, { row: SecondRow; ms: number[] }>();
  for (const a of answers) {
    const t = Math.floor(a.t);
    const entry = rows.get(t) ?? { row: { t, accepted: 0, unavailable: 0, other: 0, p99_ms: null }, ms: [] };
    if (a.status === accepted) entry.row.accepted += 1;
    else if (a.status === '503') entry.row.unavailable += 1;
    else entry.row.other += 1;
    entry.ms.push(a.ms);
    rows.set(t, entry);
  }
  return [...rows.values()]
    .sort((a, b) => a.row.t - b.row.t)
    .map(({ row, ms }) => ({ ...row, p99_ms: percentiles(ms).p99_ms }));
}

/**
 * Seconds from `from` until the share of accepted answers per second stayed at or above
 * `share` for `seconds` seconds in a row (counted from the first of them); null when never.
 */
export function acceptedAgainAfter(
  rows: readonly SecondRow[],
  from: number,
  options: { share: number; seconds: number },
): number | null {
  const after = rows.filter((r) => r.t >= Math.floor(from));
  for (let i = 0; i + options.seconds <= after.length; i++) {
    const run = after.slice(i, i + options.seconds);
    const ok = run.every((r) => {
      const all = r.accepted + r.unavailable + r.other;
      return all > 0 && r.accepted / all >= options.share;
    });
    if (ok) return Math.max(0, Math.round((run[0]!.t - from) * 10) / 10);
  }
  return null;
}

/** A reading of one part each second: memory, heap, descriptors. */
export interface PartSecond {
  t: number;
  rss_mb: number;
  heap_mb?: number;
  fds: number;
}

/** Highest RSS and heap of a part in [from, to), and its last reading there. */
export function memoryIn(readings: readonly PartSecond[], from: number, to: number) {
  const within = readings.filter((r) => r.t >= from && r.t < to);
  const max = (f: (r: PartSecond) => number | undefined) => {
    const xs = within.map(f).filter((x): x is number => x !== undefined);
    return xs.length ? Math.round(Math.max(...xs) * 10) / 10 : null;
  };
  return {
    rss_max_mb: max((r) => r.rss_mb),
    heap_max_mb: max((r) => r.heap_mb),
    fds_max: max((r) => r.fds),
    rss_last_mb: within.at(-1)?.rss_mb ?? null,
  };
}
