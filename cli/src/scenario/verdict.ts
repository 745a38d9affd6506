import type { Measurements } from './measures.js';
import { durationMs, type Expectations } from './types.js';

/** One line of the verdict: an expectation, what was measured, the limit, and whether it held. */
export interface VerdictLine {
  /** The scenario's key: `delivered`, `latency.p99`, `answers.max_5xx`… */
  key: string;
  expectation: string;
  measured: string;
  limit: string;
  pass: boolean;
  /** Why it failed, when there is more to say (the sender's last error, samples of ids). */
  detail?: string;
}

export const formatMs = (ms: number): string =>
  ms < 1000
    ? `${Math.round(ms)} ms`
    : ms < 120_000
      ? `${(ms / 1000).toFixed(1)} s`
      : `${(ms / 60_000).toFixed(1)} min`;
const percent = (x: number) => `${(x * 100).toFixed(1)} %`;

function lastError(m: Measurements): string | undefined {
  const e = m.lastError;
  if (!e) return undefined;
  const what = [e.status === null ? 'no answer' : `answered ${e.status}`, e.error].filter(Boolean).join(': ');
  return `last error (${e.messageId}): ${what}`;
}

/**
 * Judges the measurements against the scenario's expectations, one line each, in the order of
 * the schema. A measurement that is missing (nothing delivered, no databases) fails its line.
 */
export function judge(expect: Expectations, m: Measurements): VerdictLine[] {
  const lines: VerdictLine[] = [];
  const add = (line: VerdictLine) => lines.push(line);

  if (expect.delivered) {
    const within = m.deliveredWithin ?? 0;
    const late = m.delivered - within;
    const rest = [
      late && `${late} late`,
      m.pending && `${m.pending} pending`,
      m.failed && `${m.failed} failed`,
    ]
      .filter(Boolean)
      .join(', ');
    const detail = [
      m.emitted === 0 ? 'nothing was emitted' : undefined,
      within < m.emitted ? lastError(m) : undefined,
    ]
      .filter(Boolean)
      .join('; ');
    add({
      key: 'delivered',
      expectation: `every event delivered (2xx) within ${formatMs(durationMs(expect.delivered.within))}`,
      measured: `${within}/${m.emitted}${rest ? ` (${rest})` : ''}`,
      limit: `${m.emitted}/${m.emitted}`,
      pass: m.emitted > 0 && within === m.emitted,
      ...(detail ? { detail } : {}),
    });
  }
  if (expect.exactly_once) {
    const r = m.reconcile;
    add({
      key: 'exactly_once',
      expectation: 'exactly once on the receiver (reconcile)',
      measured: r
        ? `${r.delivered} delivered: missing ${r.missing}, duplicated ${r.duplicated}, unexpected ${r.unexpected}`
        : 'not measured (no databases)',
      limit: 'missing 0, duplicated 0, unexpected 0',
      pass: !!r && r.delivered > 0 && r.missing + r.duplicated + r.unexpected === 0,
      ...(r && r.samples.length ? { detail: `e.g. ${r.samples.join(', ')}` } : {}),
    });
  }
  if (expect.dead_letters) {
    const open = m.deadLettersOpen;
    add({
      key: 'dead_letters',
      expectation: 'open dead letters at the end',
      measured: open === undefined ? 'not measured' : String(open),
      limit: `≤ ${expect.dead_letters.max}`,
      pass: open !== undefined && open <= expect.dead_letters.max,
    });
  }
  if (expect.replayed) {
    add({
      key: 'replayed',
      expectation: 'dead letters replayed',
      measured: String(m.replayed ?? 0),
      limit: `≥ ${expect.replayed.min}`,
      pass: (m.replayed ?? 0) >= expect.replayed.min,
    });
  }
  if (expect.attempts_per_message) {
    add({
      key: 'attempts_per_message',
      expectation: 'attempts per message (most)',
      measured: String(m.attempts.maxPerMessage),
      limit: `≤ ${expect.attempts_per_message.max}`,
      pass: m.emitted > 0 && m.attempts.maxPerMessage <= expect.attempts_per_message.max,
    });
  }
  for (const p of ['p50', 'p99'] as const) {
    const limit = expect.latency?.[p];
    if (limit === undefined) continue;
    const value = m.latencyMs[p];
    add({
      key: `latency.${p}`,
      expectation: `delivery latency ${p}`,
      measured: value === null ? 'nothing delivered' : formatMs(value),
      limit: `≤ ${formatMs(durationMs(limit))}`,
      pass: value !== null && value <= durationMs(limit),
    });
  }
  if (expect.success_rate) {
    const rate = m.successRate;
    add({
      key: 'success_rate',
      expectation: 'attempts answered 2xx',
      measured: rate === null ? 'no attempts' : `${percent(rate)} (${m.delivered}/${m.attempts.total})`,
      limit: `≥ ${percent(expect.success_rate.min)}`,
      pass: rate !== null && rate >= expect.success_rate.min - 1e-12,
    });
  }
  const a = expect.answers;
  if (a) {
    const got = m.answers;
    const max = (key: string, expectation: string, value: number | undefined, limit: number) =>
      add({
        key: `answers.${key}`,
        expectation,
        measured: value === undefined ? 'not measured' : String(value),
        limit: `≤ ${limit}`,
        pass: value !== undefined && value <= limit,
      });
    if (a.max_5xx !== undefined) max('max_5xx', '5xx answers', got?.['5xx'], a.max_5xx);
    if (a.max_4xx !== undefined) max('max_4xx', '4xx answers', got?.['4xx'], a.max_4xx);
    if (a.max_no_answer !== undefined)
      max('max_no_answer', 'attempts without an answer', got?.none, a.max_no_answer);
    if (a.no_5xx_outside_injected) {
      const outside = got?.outsideInjected5xx;
      add({
        key: 'answers.no_5xx_outside_injected',
        expectation: '5xx answers outside injected faults',
        measured:
          outside === undefined
            ? 'not measured'
            : `${outside} (of ${got!['5xx']}; ${got!.injected5xx ?? 0} injected)`,
        limit: '0',
        pass: outside === 0,
      });
    }
  }
  if (expect.faults_rejected) {
    const f = m.faults;
    const kinds = Object.entries(f.byKind)
      .map(
        ([kind, s]) =>
          `${kind} ${Object.entries(s)
            .map(([k, n]) => `${k}×${n}`)
            .join(' ')}`,
      )
      .join('; ');
    add({
      key: 'faults_rejected',
      expectation: 'faults rejected by the receiver (4xx; duplicate_id 2xx)',
      measured: `${f.sent - f.unexpected}/${f.sent}`,
      limit: `${f.sent}/${f.sent}`,
      pass: f.sent > 0 && f.unexpected === 0,
      ...(f.sent === 0 ? { detail: 'no fault was sent' } : kinds ? { detail: kinds } : {}),
    });
  }
  return lines;
}
