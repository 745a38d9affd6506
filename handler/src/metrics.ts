import { Counter, Gauge, Histogram, type Registry } from '@hookpipe/lib';

/** Outcomes of `POST /webhook`, one label value each (docs/handler.md lists them). */
export type Outcome =
  | 'accepted'
  | 'bad_request'
  | 'unauthorized'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'injected_fault'
  | 'unavailable'
  | 'error';

export interface HandlerMetrics {
  requests: Counter<'outcome'>;
  verificationFailures: Counter<'reason'>;
  /** Requests whose signature verified, by signature scheme. */
  verified: Counter<'scheme'>;
  /** Requests a receiver fault profile acted on, by what it did (pass, status, delay, drop). */
  injectedFaults: Counter<'kind'>;
  produceSeconds: Histogram;
  batchSize: Histogram;
  inFlight: Gauge;
  keyringSecrets: Gauge;
  producerReady: Gauge;
}

export function makeHandlerMetrics(registry: Registry): HandlerMetrics {
  const registers = [registry];
  return {
    requests: new Counter({
      name: 'hookpipe_handler_requests_total',
      help: 'POST /webhook requests by outcome',
      labelNames: ['outcome'],
      registers,
    }),
    verificationFailures: new Counter({
      name: 'hookpipe_handler_verification_failures_total',
      help: 'Signature verification failures by reason',
      labelNames: ['reason'],
      registers,
    }),
    verified: new Counter({
      name: 'hookpipe_handler_verified_total',
      help: 'POST /webhook requests whose signature verified, by signature scheme',
      labelNames: ['scheme'],
      registers,
    }),
    injectedFaults: new Counter({
      name: 'hookpipe_handler_injected_faults_total',
      help: 'Requests of customers with a receiver fault profile, by what the profile did',
      labelNames: ['kind'],
      registers,
    }),
    produceSeconds: new Histogram({
      name: 'hookpipe_handler_produce_duration_seconds',
      help: 'Time from a batch send to its acknowledgement by Kafka (acks=all)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    batchSize: new Histogram({
      name: 'hookpipe_handler_batch_records',
      help: 'Records per Kafka send',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
      registers,
    }),
    inFlight: new Gauge({
      name: 'hookpipe_handler_in_flight_requests',
      help: 'POST /webhook requests being handled',
      registers,
    }),
    keyringSecrets: new Gauge({
      name: 'hookpipe_handler_keyring_secrets',
      help: 'Secrets in the in-memory keyring',
      registers,
    }),
    producerReady: new Gauge({
      name: 'hookpipe_handler_kafka_producer_ready',
      help: '1 while the Kafka producer is connected',
      registers,
    }),
  };
}
