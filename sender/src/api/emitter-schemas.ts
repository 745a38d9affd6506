import { z } from '@hono/zod-openapi';
import { FAULT_KINDS } from '../model/fault-kinds.js';
import type { ApiDeps } from './deps.js';
import { queryNumber } from '@hookpipe/lib/api';
import { CustomerId, EventType, WebhookId, limit } from './schemas.js';

/** An emitter's start options and its view; the bounds come from the sender's settings. */

const MAX_DURATION = 999_999;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION_DESCRIPTION = 'Seconds, or with a unit: 90s, 15m, 2h (at most 999999 in its unit)';

/** `90`, `90s`, `15m`, `2h` → ms: up to six digits and three decimals in its unit (seconds by default). */
const DurationText = z
  .string()
  .regex(/^[0-9]{1,6}(?:\.[0-9]{1,3})?(?:ms|s|m|h)?$/, 'must look like 90, 90s, 15m or 2h (at most 999999)')
  .transform((v) => {
    const m = /^([0-9.]+)([a-z]*)$/.exec(v)!;
    return Math.round(Number(m[1]) * (UNIT_MS[m[2] || 's'] ?? 1000));
  });
const DurationSeconds = z
  .number()
  .positive()
  .max(MAX_DURATION)
  .transform((s) => Math.round(s * 1000));

/** Event types in a query: comma-separated names (empty items are skipped, one at least). */
const TYPE_ITEM = '[\\x21-\\x2b\\x2d-\\x7e]{1,255}';
const EventTypesText = z
  .string()
  .regex(
    new RegExp(`^,*${TYPE_ITEM}(?:,+${TYPE_ITEM})*,*$`),
    'must be comma-separated event types (1-255 printable ASCII characters each, no spaces)',
  )
  .transform((v) => v.split(',').filter(Boolean));

const SIMULATE_RETRY = 'Share of events whose data.simulate asks the consumer to fail them once or twice';
const SIMULATE_DEAD =
  'Share of events whose data.simulate asks the consumer to fail them always (they end in its DLQ); ' +
  'taken before the retry share, which gets at most what it leaves';
const FAULTS_DESCRIPTION =
  'Share (0–1) of events sent as each fault. Drawn in the order ' +
  FAULT_KINDS.join(', ') +
  ': each share takes at most what the ones before it left (the emitter shows the shares in force)';

const share = z.number().min(0).max(1);
const bodyShare = (description: string) => share.optional().openapi({ description });
const queryShare = (description: string) => queryNumber(share).optional().openapi({ description });

/** The query and body of `POST /emitter/start`, bounded by `settings`. */
export function makeEmitterSchemas(settings: ApiDeps['settings']) {
  const rate = z
    .number()
    .positive()
    .max(settings.emitterMaxRate, `must be at most ${settings.emitterMaxRate} (SENDER_EMITTER_MAX_RATE)`);
  const count = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
  const concurrency = z
    .number()
    .int()
    .min(1)
    .max(
      settings.deliveryConcurrency,
      `must be at most ${settings.deliveryConcurrency} (SENDER_DELIVERY_CONCURRENCY)`,
    );
  const RATE = 'Events per second';
  const COUNT = 'Stop after this many events';
  const CONCURRENCY = 'Deliveries of this emitter in flight at most';

  const EmitterQuery = z.strictObject({
    customer_id: CustomerId,
    webhook_id: WebhookId,
    rate: queryNumber(rate).optional().openapi({ description: RATE }),
    count: queryNumber(count).optional().openapi({ description: COUNT }),
    duration: DurationText.optional().openapi({ description: DURATION_DESCRIPTION }),
    concurrency: queryNumber(concurrency).optional().openapi({ description: CONCURRENCY }),
    event_types: EventTypesText.optional().openapi({ description: 'Comma-separated' }),
    simulate_retry: queryShare(SIMULATE_RETRY),
    simulate_dead: queryShare(SIMULATE_DEAD),
    ...Object.fromEntries(FAULT_KINDS.map((k) => [`fault_${k}`, queryShare(`Share of ${k} faults`)])),
  });

  const EmitterBody = z
    .strictObject({
      rate: rate.optional().openapi({ description: RATE }),
      count: count.optional().openapi({ description: COUNT }),
      duration: z
        .union([DurationSeconds, DurationText])
        .optional()
        .openapi({ description: DURATION_DESCRIPTION }),
      concurrency: concurrency.optional().openapi({ description: CONCURRENCY }),
      event_types: z.array(EventType).min(1).max(50).optional(),
      faults: z
        .strictObject(Object.fromEntries(FAULT_KINDS.map((k) => [k, share.optional()])))
        .optional()
        .openapi({ description: FAULTS_DESCRIPTION, example: { bad_signature: 0.05, duplicate_id: 0.05 } }),
      simulate: z
        .strictObject({ retry: bodyShare(SIMULATE_RETRY), dead: bodyShare(SIMULATE_DEAD) })
        .optional(),
    })
    .openapi('EmitterOptions');

  return { EmitterQuery, EmitterBody };
}

export type EmitterQueryInput = z.output<ReturnType<typeof makeEmitterSchemas>['EmitterQuery']>;
export type EmitterBodyInput = z.output<ReturnType<typeof makeEmitterSchemas>['EmitterBody']>;

export const StopQuery = z.strictObject({ customer_id: CustomerId, webhook_id: WebhookId });

export const ListEmittersQuery = z.strictObject({
  status: z.enum(['running', 'stopped', 'completed', 'all']).default('running'),
  webhook_id: WebhookId.optional(),
  limit,
});

const FaultCounts = z.object({ sent: z.number(), statuses: z.record(z.string(), z.number()) });
export const EmitterSchema = z
  .object({
    emitter_id: z.string(),
    webhook_id: z.string(),
    customer_id: z.string(),
    status: z.enum(['running', 'stopped', 'completed']),
    rate: z.number(),
    count: z.number().nullable(),
    duration_seconds: z.number().nullable(),
    event_types: z.array(z.string()),
    faults: z.record(z.string(), z.number()),
    simulate: z.object({ retry: z.number(), dead: z.number() }),
    concurrency: z.number(),
    started_at: z.string(),
    ends_at: z.string().nullable(),
    stopped_at: z.string().nullable(),
    stop_reason: z.string().nullable(),
    owner: z.string().nullable().openapi({
      description:
        'The sender instance (SENDER_INSTANCE_ID) that runs it, or ran it last; null while no instance holds it',
    }),
    counters: z.object({
      sent: z.number(),
      delivered: z.number(),
      failed: z.number(),
      retrying: z.number(),
      pending: z.number(),
      invalid: z
        .number()
        .openapi({ description: 'Generated events whose data failed the type’s schema (not sent)' }),
      faults: z.record(z.string(), FaultCounts),
    }),
  })
  .openapi('Emitter');
