import { describe, expect, it } from 'vitest';
import { handlerFigures } from './handler-figures.js';
import { parsePrometheusText, sumBy, valueOf } from './prometheus.js';

// The shape a handler replica serves (prom-client 0.0.4 text), trimmed.
const HANDLER = `# HELP hookpipe_handler_requests_total POST /webhook requests by outcome
# TYPE hookpipe_handler_requests_total counter
hookpipe_handler_requests_total{outcome="bad_request",service="handler",handler_id="handler-1"} 2
hookpipe_handler_requests_total{outcome="accepted",service="handler",handler_id="handler-1"} 21
hookpipe_handler_requests_total{outcome="unauthorized",service="handler",handler_id="handler-1"} 4
hookpipe_handler_requests_total{outcome="rate_limited",service="handler",handler_id="handler-1"} 3
hookpipe_handler_requests_total{outcome="unavailable",service="handler",handler_id="handler-1"} 5
hookpipe_handler_requests_total{outcome="error",service="handler",handler_id="handler-1"} 1
# TYPE hookpipe_handler_verification_failures_total counter
hookpipe_handler_verification_failures_total{reason="no_matching_signature",service="handler",handler_id="handler-1"} 3
hookpipe_handler_verification_failures_total{reason="timestamp_too_old",service="handler",handler_id="handler-1"} 1
# TYPE hookpipe_handler_produce_duration_seconds histogram
hookpipe_handler_produce_duration_seconds_bucket{le="0.005",service="handler",handler_id="handler-1"} 11
hookpipe_handler_produce_duration_seconds_bucket{le="+Inf",service="handler",handler_id="handler-1"} 20
hookpipe_handler_produce_duration_seconds_sum{service="handler",handler_id="handler-1"} 0.150498031
hookpipe_handler_produce_duration_seconds_count{service="handler",handler_id="handler-1"} 20
hookpipe_handler_in_flight_requests{service="handler",handler_id="handler-1"} 2
hookpipe_handler_keyring_secrets{service="handler",handler_id="handler-1"} 7
hookpipe_handler_kafka_producer_ready{service="handler",handler_id="handler-1"} 1
process_cpu_seconds_total{service="handler",handler_id="handler-1"} 1.5 1700000000000
`;

describe('parsePrometheusText', () => {
  it('reads names, labels and values, and skips comments', () => {
    const samples = parsePrometheusText(HANDLER);
    expect(samples).toHaveLength(16);
    expect(samples[0]).toEqual({
      name: 'hookpipe_handler_requests_total',
      labels: { outcome: 'bad_request', service: 'handler', handler_id: 'handler-1' },
      value: 2,
    });
    // A sample with a timestamp keeps its value.
    expect(valueOf(samples, 'process_cpu_seconds_total')).toBe(1.5);
  });

  it('reads escaped label values, +Inf and NaN, and samples without labels', () => {
    const samples = parsePrometheusText(
      [
        'm{path="a\\"b",nl="x\\ny",bs="c\\\\d"} 3',
        'bucket{le="+Inf"} +Inf',
        'gauge NaN',
        'plain 42',
        '  spaced{a="1"}   7  ',
      ].join('\n'),
    );
    expect(samples[0]!.labels).toEqual({ path: 'a"b', nl: 'x\ny', bs: 'c\\d' });
    expect(samples[1]!.value).toBe(Infinity);
    expect(Number.isNaN(samples[2]!.value)).toBe(true);
    expect(samples[3]).toEqual({ name: 'plain', labels: {}, value: 42 });
    expect(samples[4]).toEqual({ name: 'spaced', labels: { a: '1' }, value: 7 });
  });

  it('skips lines it cannot read instead of failing the scrape', () => {
    const samples = parsePrometheusText(
      ['ok 1', 'broken{a="1" 2', 'noval{a="1"}', '{a="1"} 3', 'words here', 'ok 2'].join('\n'),
    );
    expect(samples.map((s) => s.value)).toEqual([1, 2]);
  });

  it('sums a metric by one label', () => {
    const samples = parsePrometheusText('c{k="a",x="1"} 1\nc{k="a",x="2"} 2\nc{k="b"} 5\nc 9\nd{k="a"} 100');
    expect(sumBy(samples, 'c', 'k')).toEqual({ a: 3, b: 5 });
  });
});

describe('handlerFigures', () => {
  it('turns a replica’s metrics into the dashboard’s figures', () => {
    const f = handlerFigures(parsePrometheusText(HANDLER));
    expect(f.handler_id).toBe('handler-1');
    expect(f.requests).toEqual({
      bad_request: 2,
      accepted: 21,
      unauthorized: 4,
      rate_limited: 3,
      unavailable: 5,
      error: 1,
    });
    // accepted → 2xx; the refusals → 4xx; unavailable and error → 5xx.
    expect(f.statuses).toEqual({ '2xx': 21, '4xx': 9, '5xx': 6 });
    expect(f.rate_limited).toBe(3);
    expect(f.verification_failures).toEqual({ no_matching_signature: 3, timestamp_too_old: 1 });
    expect(f.produce).toEqual({ seconds: 0.150498031, count: 20 });
    expect(f.in_flight).toBe(2);
    expect(f.keyring_secrets).toBe(7);
    expect(f.producer_ready).toBe(true);
  });

  it('gives zeros for a replica that has served nothing yet', () => {
    const f = handlerFigures(parsePrometheusText('process_cpu_seconds_total{service="handler"} 0.1'));
    expect(f).toMatchObject({
      handler_id: null,
      requests: {},
      statuses: { '2xx': 0, '4xx': 0, '5xx': 0 },
      rate_limited: 0,
      produce: { seconds: 0, count: 0 },
      producer_ready: false,
    });
  });
});
