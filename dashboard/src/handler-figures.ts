import { sumBy, valueOf, type PromSample } from './prometheus.js';

/** What the dashboard shows of one handler replica, read from its `/metrics` (counters since it started). */
export interface HandlerFigures {
  handler_id: string | null;
  /** `hookpipe_handler_requests_total` by outcome. */
  requests: Record<string, number>;
  /** The same requests by HTTP status class: the handler's outcomes map one-to-one onto them. */
  statuses: { '2xx': number; '4xx': number; '5xx': number };
  rate_limited: number;
  /** `hookpipe_handler_verification_failures_total` by reason. */
  verification_failures: Record<string, number>;
  /** `hookpipe_handler_verified_total` by signature scheme (standard-webhooks, github, stripe, legacy). */
  verified: Record<string, number>;
  /**
   * `hookpipe_handler_injected_faults_total` by kind: what receiver fault profiles did to their
   * customers' verified requests (`pass` is an attempt recorded and let through).
   */
  injected_faults: Record<string, number>;
  /** Sum and count of `hookpipe_handler_produce_duration_seconds` (one Kafka send each). */
  produce: { seconds: number; count: number };
  in_flight: number;
  keyring_secrets: number;
  producer_ready: boolean;
}

// docs/handler.md: accepted is the 202; unavailable and error are 503/500; the rest are 4xx.
const SERVER_ERRORS = new Set(['unavailable', 'error']);

export function handlerFigures(samples: readonly PromSample[]): HandlerFigures {
  const requests = sumBy(samples, 'hookpipe_handler_requests_total', 'outcome');
  const statuses = { '2xx': 0, '4xx': 0, '5xx': 0 };
  for (const [outcome, n] of Object.entries(requests)) {
    if (outcome === 'accepted') statuses['2xx'] += n;
    else if (SERVER_ERRORS.has(outcome)) statuses['5xx'] += n;
    else statuses['4xx'] += n;
  }
  const anyHandlerSample = samples.find((s) => s.name.startsWith('hookpipe_handler_'));
  return {
    handler_id: anyHandlerSample?.labels.handler_id ?? null,
    requests,
    statuses,
    rate_limited: requests.rate_limited ?? 0,
    verification_failures: sumBy(samples, 'hookpipe_handler_verification_failures_total', 'reason'),
    verified: sumBy(samples, 'hookpipe_handler_verified_total', 'scheme'),
    injected_faults: sumBy(samples, 'hookpipe_handler_injected_faults_total', 'kind'),
    produce: {
      seconds: valueOf(samples, 'hookpipe_handler_produce_duration_seconds_sum') ?? 0,
      count: valueOf(samples, 'hookpipe_handler_produce_duration_seconds_count') ?? 0,
    },
    in_flight: valueOf(samples, 'hookpipe_handler_in_flight_requests') ?? 0,
    keyring_secrets: valueOf(samples, 'hookpipe_handler_keyring_secrets') ?? 0,
    producer_ready: valueOf(samples, 'hookpipe_handler_kafka_producer_ready') === 1,
  };
}
