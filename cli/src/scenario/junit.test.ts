import { describe, expect, it } from 'vitest';
import { toJunit } from './junit.js';
import { summarizeDeliveries } from './measures.js';
import type { RunReport } from './run.js';

const report: RunReport = {
  scenario: 'retry-storm',
  target: 'stack',
  run_id: '20260101-000000-abcd',
  started_at: '2026-01-01T00:00:00.000Z',
  finished_at: '2026-01-01T00:01:00.000Z',
  duration_ms: 60_000,
  time_scale: 1,
  outcome: 'failed',
  passed: false,
  webhooks: [],
  phases: [],
  settled: true,
  measurements: summarizeDeliveries([]),
  verdict: [
    {
      key: 'delivered',
      expectation: 'every event delivered (2xx) within 30.0 s',
      measured: '9/9',
      limit: '9/9',
      pass: true,
    },
    {
      key: 'latency.p99',
      expectation: 'delivery latency p99',
      measured: '2.5 s',
      limit: '≤ 1.0 s',
      pass: false,
      detail: 'slow <receiver> & "friends"\u0007',
    },
  ],
  notes: [],
};

describe('toJunit', () => {
  it('writes one testcase per expectation, a failure with measured vs limit', () => {
    const xml = toJunit(report);
    expect(xml).toContain('<testsuites name="hookpipe" tests="2" failures="1" errors="0" time="60.000">');
    expect(xml).toContain('<testsuite name="hookpipe.retry-storm" tests="2" failures="1"');
    expect(xml).toContain(
      '<testcase classname="hookpipe.retry-storm" name="every event delivered (2xx) within 30.0 s" time="0">',
    );
    expect(xml).toContain(
      '<failure message="measured 2.5 s, limit ≤ 1.0 s" type="latency.p99">measured 2.5 s, limit ≤ 1.0 s\nslow &lt;receiver&gt; &amp; &quot;friends&quot;</failure>',
    );
    expect(xml).toContain('<property name="outcome" value="failed"/>');
    expect(xml.match(/<testcase /g)).toHaveLength(2);
  });
});
