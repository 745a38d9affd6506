import { z } from '@hono/zod-openapi';

// The OpenAPI description of GET /dashboard/state (state.ts builds it; docs/dashboard.md explains it).

const Point = z.object({
  t: z.number().openapi({ description: 'End of the interval (epoch ms)' }),
  rate: z.number().openapi({ description: 'Per second over the interval' }),
  ms: z.number().nullable().openapi({ description: 'Latency over the interval, when the stage has one' }),
});
const Series = z.array(Point);
const Counts = z.record(z.string(), z.number());

const NginxWindow = z.object({
  requests: z.number().int(),
  statuses: z.object({ '2xx': z.number(), '3xx': z.number(), '4xx': z.number(), '5xx': z.number() }),
  rate_limited: z.number().int(),
  edge_rate_limited: z.number().int(),
  request_time: z.object({ seconds: z.number(), count: z.number().int() }),
  skipped_bytes: z.number().int(),
});

const HandlerFigures = z.object({
  handler_id: z.string().nullable(),
  requests: Counts,
  statuses: z.object({ '2xx': z.number(), '4xx': z.number(), '5xx': z.number() }),
  rate_limited: z.number(),
  verification_failures: Counts,
  verified: Counts.openapi({ description: 'Requests whose signature verified, by signature scheme' }),
  injected_faults: Counts.openapi({
    description: 'What receiver fault profiles did to verified requests, by kind (pass, status, delay, drop)',
  }),
  produce: z.object({ seconds: z.number(), count: z.number() }),
  in_flight: z.number(),
  keyring_secrets: z.number(),
  producer_ready: z.boolean(),
});

const Totals = z.object({
  persisted: z.number().int(),
  retried: z.number().int(),
  dead_lettered: z.number().int(),
  dead_letters_open: z.number().int(),
  replayed: z.number().int(),
});

/** The receiver database's totals, as the consumer's `/stats` shows them (it passes them in). */
export type ReceiverTotals = z.infer<typeof Totals>;

const Partition = z.object({
  topic: z.string(),
  partition: z.number().int(),
  end: z.number().int(),
  committed: z.number().int().nullable(),
  lag: z.number().int().nullable(),
});

export const DashboardStateSchema = z
  .object({
    at: z.string().nullable().openapi({ description: 'When the newest sample was taken' }),
    interval_ms: z.number().nullable().openapi({ description: 'Time between the two newest samples' }),
    window_seconds: z.number().openapi({ description: 'Time the series cover' }),
    nginx: z.object({
      configured: z.boolean().openapi({ description: 'CONSUMER_NGINX_ACCESS_LOG is set' }),
      error: z.string().nullable(),
      per_second: z.object({
        requests: z.number(),
        '2xx': z.number(),
        '3xx': z.number(),
        '4xx': z.number(),
        '5xx': z.number(),
        '429': z.number(),
      }),
      latency_ms: z
        .number()
        .nullable()
        .openapi({ description: 'Mean request_time over the newest interval' }),
      recent: NginxWindow.openapi({ description: 'Counts over window_seconds' }),
      series: Series,
    }),
    handlers: z.object({
      configured: z.boolean().openapi({ description: 'CONSUMER_HANDLER_URLS is set' }),
      replicas: z.array(
        z.object({
          target: z.string(),
          handler_id: z.string().nullable(),
          up: z.boolean(),
          error: z.string().nullable(),
          per_second: z.number(),
          produce_ms: z.number().nullable(),
          figures: HandlerFigures.nullable().openapi({ description: 'Counters since the replica started' }),
          series: Series,
        }),
      ),
      verified: Counts.openapi({
        description:
          'Requests whose signature verified, by signature scheme, added up over the replicas that answered',
      }),
      injected_faults: Counts.openapi({
        description:
          'What receiver fault profiles did, by kind (pass, status, delay, drop), added up over the replicas that answered',
      }),
      series: Series,
    }),
    kafka: z.object({
      error: z.string().nullable(),
      topics: z.array(
        z.object({ topic: z.string(), end_offset: z.number().int(), per_second: z.number(), series: Series }),
      ),
      lag: z.object({ total: z.number().int(), partitions: z.array(Partition) }),
    }),
    consumer: z.object({
      per_second: z.object({ persisted: z.number(), retried: z.number(), dead_lettered: z.number() }),
      latency: z.object({ p50_ms: z.number().nullable(), max_ms: z.number().nullable() }).nullable(),
      latency_error: z.string().nullable(),
      process: Counts.openapi({ description: 'Counters since this consumer process started' }),
      totals: Totals.nullable(),
      totals_error: z.string().nullable(),
      series: Series,
    }),
  })
  .openapi('DashboardState');
