import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { errorMessage, metricsHandler, withTimeout, type Logger, type Registry } from '@hookpipe/lib';
import { defineRoute } from '@hookpipe/lib/api';
import type { EventConsumerStatus } from '../pipeline/event-consumer.js';
import type { LagView } from '../lag.js';
import type { DbTotals } from '../store/stats-store.js';

export interface SystemDeps {
  registry: Registry;
  logger: Logger;
  dbTotals(): Promise<DbTotals>;
  pingDb(): Promise<void>;
  lag(): Promise<LagView>;
  consumerStatus(): EventConsumerStatus;
  counters(): Record<string, number>;
}

const Readiness = <S extends string>(status: S) =>
  z.object({ status: z.literal(status), checks: z.record(z.string(), z.string()) });

// Kafka being down must not hang /stats: the database totals are still worth answering with.
const LAG_TIMEOUT_MS = 3000;

export function registerSystemRoutes(app: OpenAPIHono, deps: SystemDeps): void {
  app.get('/ping', (c) => c.json({ message: 'pong', service: 'consumer' }));
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/metrics', metricsHandler(deps.registry));

  defineRoute(
    app,
    {
      method: 'get',
      path: '/readyz',
      summary: 'Ready: the database answers and the Kafka consumer is in its group',
      open: true,
      responses: {
        200: { description: 'Ready', schema: Readiness('ready') },
        503: { description: 'Not ready', schema: Readiness('unavailable') },
      },
    },
    async (c) => {
      const checks: Record<string, string> = {};
      try {
        await deps.pingDb();
        checks.database = 'ok';
      } catch (err) {
        checks.database = errorMessage(err);
      }
      const consumer = deps.consumerStatus();
      checks.kafka = consumer.joined ? 'ok' : consumer.running ? 'joining the consumer group' : 'not running';
      const ready = Object.values(checks).every((v) => v === 'ok');
      return ready
        ? c.json({ status: 'ready' as const, checks }, 200)
        : c.json({ status: 'unavailable' as const, checks }, 503);
    },
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/stats',
      scope: 'events:read',
      summary: 'Totals (database), counters (this process), consumer lag per partition, paused partitions',
      responses: {
        200: {
          description:
            'Statistics; `totals` is null (and `totals_error` says why) when the database is unavailable, `lag` likewise (`lag_error`) when Kafka is',
          schema: z.object({
            totals: z
              .object({
                persisted: z.number().int(),
                retried: z.number().int(),
                dead_lettered: z.number().int(),
                dead_letters_open: z.number().int(),
                replayed: z.number().int(),
              })
              .nullable(),
            totals_error: z.string().optional(),
            process: z.record(z.string(), z.number()),
            lag: z
              .object({
                group: z.string(),
                total: z.number().int(),
                partitions: z.array(
                  z.object({
                    topic: z.string(),
                    partition: z.number().int(),
                    committed: z.number().int().nullable(),
                    end: z.number().int(),
                    lag: z.number().int(),
                  }),
                ),
              })
              .nullable(),
            lag_error: z.string().optional(),
            consumer: z.object({
              running: z.boolean(),
              joined: z.boolean(),
              member_id: z.string().nullable(),
              paused: z.array(
                z.object({
                  topic: z.string(),
                  partition: z.number().int(),
                  reason: z.string(),
                  offset: z.string(),
                  resume_at: z.string(),
                }),
              ),
            }),
          }),
        },
      },
    },
    async (c) => {
      // During an outage /stats is where one looks: answer with what can still be known.
      let totals: DbTotals | null = null;
      let totalsError: string | undefined;
      try {
        totals = await deps.dbTotals();
      } catch (err) {
        totalsError = errorMessage(err);
      }
      let lag: LagView | null = null;
      let lagError: string | undefined;
      try {
        lag = await withTimeout(deps.lag(), LAG_TIMEOUT_MS, 'Kafka');
      } catch (err) {
        lagError = errorMessage(err);
        deps.logger.warn({ err }, 'could not read consumer lag');
      }
      const s = deps.consumerStatus();
      return c.json(
        {
          totals,
          ...(totalsError === undefined ? {} : { totals_error: totalsError }),
          process: deps.counters(),
          lag,
          ...(lagError === undefined ? {} : { lag_error: lagError }),
          consumer: {
            running: s.running,
            joined: s.joined,
            member_id: s.memberId,
            paused: s.holds.map((h) => ({
              topic: h.topic,
              partition: h.partition,
              reason: h.reason,
              offset: h.offset,
              resume_at: h.resumeAt,
            })),
          },
        },
        200,
      );
    },
  );
}
