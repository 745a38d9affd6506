import { Counter, Gauge, Histogram, makeRegistry, type Registry } from '@hookpipe/lib';
import type { Completion } from './model/delivery.js';

export interface SenderMetrics {
  registry: Registry;
  inFlight: Gauge;
  webhooksDisabled: Counter;
  enqueued: Counter<'source'>;
  /** Generated events not sent because their data failed the type's schema. */
  invalidPayloads: Counter<'source'>;
  observeAttempt(done: Completion): void;
}

/** The sender's Prometheus metrics (served at /metrics). */
export function makeSenderMetrics(registry: Registry = makeRegistry('sender')): SenderMetrics {
  const attempts = new Counter({
    name: 'hookpipe_sender_attempts_total',
    help: 'Delivery attempts by outcome (delivered, retry, failed, rejected), HTTP status class and signature scheme',
    labelNames: ['outcome', 'status', 'scheme'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'hookpipe_sender_attempt_duration_seconds',
    help: 'Duration of delivery attempts',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
    registers: [registry],
  });
  return {
    registry,
    inFlight: new Gauge({
      name: 'hookpipe_sender_in_flight',
      help: 'Delivery attempts in flight',
      registers: [registry],
    }),
    webhooksDisabled: new Counter({
      name: 'hookpipe_sender_webhooks_disabled_total',
      help: 'Webhooks disabled because their deliveries kept failing',
      registers: [registry],
    }),
    enqueued: new Counter({
      name: 'hookpipe_sender_deliveries_enqueued_total',
      help: 'Deliveries put in the outbox, by source (event, trigger, emitter)',
      labelNames: ['source'] as const,
      registers: [registry],
    }),
    invalidPayloads: new Counter({
      name: 'hookpipe_sender_invalid_payloads_total',
      help: 'Generated events not sent because their data failed the event type’s JSON Schema, by source',
      labelNames: ['source'] as const,
      registers: [registry],
    }),
    observeAttempt(done) {
      const status = done.statusCode === null ? 'none' : `${Math.floor(done.statusCode / 100)}xx`;
      attempts.inc({ outcome: done.decision.kind, status, scheme: done.scheme });
      duration.observe(done.durationMs / 1000);
    },
  };
}
