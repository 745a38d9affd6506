import { describe, expect, it } from 'vitest';
import { phaseSteps } from './drive.js';
import { countAnswers, percentile, summarizeDeliveries, type DeliveryRow } from './measures.js';
import { judge } from './verdict.js';

let next = 1;
const row = (over: Partial<DeliveryRow> & { latency?: number }): DeliveryRow => {
  const created = Date.parse('2026-01-01T00:00:00Z');
  const { latency, ...rest } = over;
  return {
    delivery_id: String(next++),
    message_id: `msg_${next}`,
    fault: null,
    status: 'delivered',
    attempts: 1,
    last_status_code: 202,
    last_error: null,
    created_at: new Date(created).toISOString(),
    finished_at: new Date(created + (latency ?? 100)).toISOString(),
    ...rest,
  };
};

describe('summarizeDeliveries', () => {
  it('measures delivered, latency, attempts and success rate, faults aside', () => {
    const rows = [
      row({ latency: 100 }),
      row({ latency: 300 }),
      row({ latency: 5000, attempts: 3 }),
      row({
        status: 'pending',
        finished_at: null,
        attempts: 2,
        last_status_code: 503,
        last_error: 'injected',
      }),
      row({ fault: 'bad_signature', status: 'rejected', last_status_code: 401 }),
      row({ fault: 'duplicate_id', status: 'delivered', last_status_code: 500 }),
    ];
    const m = summarizeDeliveries(rows, { withinMs: 1000 });
    expect(m).toMatchObject({
      emitted: 4,
      delivered: 3,
      deliveredWithin: 2,
      pending: 1,
      failed: 0,
      latencyMs: { p50: 300, p99: 5000, max: 5000 },
      attempts: { total: 7, maxPerMessage: 3 },
      faults: { sent: 2, byKind: { bad_signature: { '401': 1 }, duplicate_id: { '500': 1 } }, unexpected: 1 },
    });
    expect(m.successRate).toBeCloseTo(3 / 7);
    expect(m.lastError).toEqual({ messageId: rows[3]!.message_id, status: 503, error: 'injected' });
  });

  it('takes nearest-rank percentiles', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 0.5)).toBe(50);
    expect(percentile(sorted, 0.99)).toBe(99);
    expect(percentile([7], 0.99)).toBe(7);
    expect(percentile([], 0.5)).toBeNull();
  });
});

describe('countAnswers', () => {
  it('counts classes, and the 5xx the receiver did not inject', () => {
    const statuses = new Map<string, (number | null)[]>([
      ['a', [503, 503, 202]],
      ['b', [500, 202]],
      ['c', [null, 404]],
    ]);
    expect(countAnswers(statuses, new Map([['a', 2]]))).toEqual({
      '2xx': 2,
      '3xx': 0,
      '4xx': 1,
      '5xx': 3,
      none: 1,
      injected5xx: 2,
      outsideInjected5xx: 1,
    });
  });
});

describe('judge', () => {
  const measured = summarizeDeliveries([row({ latency: 200 }), row({ latency: 900, attempts: 2 })], {
    withinMs: 30_000,
  });

  it('passes when every limit holds, one line per expectation', () => {
    const lines = judge(
      {
        delivered: { within: '30s' },
        attempts_per_message: { max: 2 },
        latency: { p50: '500ms', p99: 1 },
        success_rate: { min: 0.6 },
      },
      measured,
    );
    expect(lines.map((l) => [l.key, l.measured, l.limit, l.pass])).toEqual([
      ['delivered', '2/2', '2/2', true],
      ['attempts_per_message', '2', '≤ 2', true],
      ['latency.p50', '200 ms', '≤ 500 ms', true],
      ['latency.p99', '900 ms', '≤ 1.0 s', true],
      ['success_rate', '66.7 % (2/3)', '≥ 60.0 %', true],
    ]);
  });

  it('fails a line past its limit, with the sender last error for undelivered events', () => {
    const m = summarizeDeliveries(
      [
        row({}),
        row({ status: 'failed', finished_at: null, last_status_code: null, last_error: 'ECONNREFUSED' }),
      ],
      { withinMs: 10_000 },
    );
    const [delivered, attempts] = judge(
      { delivered: { within: 10 }, attempts_per_message: { max: 0 + 1 } },
      m,
    );
    expect(delivered).toMatchObject({ measured: '1/2 (1 failed)', limit: '2/2', pass: false });
    expect(delivered!.detail).toContain('no answer: ECONNREFUSED');
    expect(attempts!.pass).toBe(true);
  });

  it('fails what was not measured: nothing emitted, no reconcile, no answers', () => {
    const empty = summarizeDeliveries([], { withinMs: 1000 });
    const lines = judge(
      {
        delivered: { within: 1 },
        exactly_once: true,
        latency: { p99: 1 },
        answers: { max_5xx: 0 },
        faults_rejected: true,
      },
      empty,
    );
    expect(lines.map((l) => l.pass)).toEqual([false, false, false, false, false]);
    expect(lines[0]!.detail).toBe('nothing was emitted');
    expect(lines[1]!.measured).toBe('not measured (no databases)');
  });

  it('judges reconcile, dead letters, replays and injected 5xx', () => {
    const lines = judge(
      {
        exactly_once: true,
        dead_letters: { max: 0 },
        replayed: { min: 1 },
        answers: { no_5xx_outside_injected: true },
      },
      {
        ...measured,
        reconcile: {
          delivered: 2,
          persisted: 2,
          deadLettered: 0,
          missing: 0,
          duplicated: 0,
          unexpected: 0,
          pending: 0,
          samples: [],
        },
        deadLettersOpen: 1,
        replayed: 3,
        answers: { ...countAnswers(new Map([['a', [503, 202]]]), new Map([['a', 1]])) },
      },
    );
    expect(lines.map((l) => [l.key, l.pass])).toEqual([
      ['exactly_once', true],
      ['dead_letters', false],
      ['replayed', true],
      ['answers.no_5xx_outside_injected', true],
    ]);
  });
});

describe('phaseSteps', () => {
  it('is one step for a rate, scaled', () => {
    expect(phaseSteps({ name: 'p', rate: 5, duration: '60s' }, 0.2)).toEqual([
      { rate: 5, durationMs: 12_000 },
    ]);
    expect(phaseSteps({ name: 'p', rate: 5, count: 9 }, 0.2)).toEqual([{ rate: 5, count: 9 }]);
  });

  it('splits a ramp into equal steps of linear rates, each at least a second', () => {
    expect(phaseSteps({ name: 'p', ramp: { from: 2, to: 20, steps: 3 }, duration: '15s' }, 1)).toEqual([
      { rate: 2, durationMs: 5000 },
      { rate: 11, durationMs: 5000 },
      { rate: 20, durationMs: 5000 },
    ]);
    expect(
      phaseSteps({ name: 'p', ramp: { from: 1, to: 2 }, duration: 2 }, 0.1).map((s) => s.durationMs),
    ).toEqual([1000, 1000, 1000, 1000, 1000]);
  });
});
