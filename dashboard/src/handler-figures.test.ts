import { describe, expect, it } from 'vitest';
import { handlerFigures } from './handler-figures.js';
import { parsePrometheusText } from './prometheus.js';

const text = `# TYPE hookpipe_handler_verified_total counter
hookpipe_handler_verified_total{scheme="standard-webhooks",service="handler",handler_id="handler-1"} 7
hookpipe_handler_verified_total{scheme="github",service="handler",handler_id="handler-1"} 2
hookpipe_handler_injected_faults_total{kind="status",service="handler",handler_id="handler-1"} 3
hookpipe_handler_injected_faults_total{kind="pass",service="handler",handler_id="handler-1"} 4
hookpipe_handler_requests_total{outcome="accepted",service="handler",handler_id="handler-1"} 6
hookpipe_handler_requests_total{outcome="injected_fault",service="handler",handler_id="handler-1"} 3
`;

describe('handlerFigures', () => {
  it('reads the verified requests by signature scheme and the injected faults by kind', () => {
    const f = handlerFigures(parsePrometheusText(text));
    expect(f.handler_id).toBe('handler-1');
    expect(f.verified).toEqual({ 'standard-webhooks': 7, github: 2 });
    expect(f.injected_faults).toEqual({ status: 3, pass: 4 });
    expect(f.statuses).toEqual({ '2xx': 6, '4xx': 3, '5xx': 0 });
  });

  it('has empty counts for a handler that has verified nothing yet', () => {
    const f = handlerFigures(parsePrometheusText('hookpipe_handler_in_flight_requests 0\n'));
    expect(f.verified).toEqual({});
    expect(f.injected_faults).toEqual({});
  });
});
