import { z } from '@hono/zod-openapi';
import { CursorParam, textField } from '@hookpipe/lib/api';
import { FAULT_KINDS } from '../model/fault-kinds.js';

/** Text without control characters (no CR/LF smuggling into headers or logs): the kit's textField. */
export const text = (max: number) => textField(1, max);

export const CustomerId = text(255).openapi({ example: 'ben@webhooksystem' });
export const WebhookId = z.string().regex(/^wh_[0-9A-Z]{26}$/, 'is not a webhook id (wh_…)');
export const WebhookUrl = z
  .string()
  .max(2048, 'must be at most 2048 characters')
  .refine((v) => /^https?:\/\//i.test(v) && URL.canParse(v), 'must be an absolute http(s) URL')
  .openapi({ example: 'http://localhost:8081/webhook' });

/**
 * `*`, an exact type (`order.created`), or a prefix wildcard (`order.*`); user types may use any
 * printable ASCII without spaces.
 */
export const EventTypePattern = z
  .string()
  .regex(
    /^[\x21-\x7e]{1,255}$/,
    'must be "*", a type like "order.created", or a prefix like "order.*" (1-255 printable ASCII, no spaces)',
  );
/** An event type's name: a built-in one (`order.created`) or a user's, 1–255 printable ASCII without spaces. */
export const EventType = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, 'must be 1-255 printable ASCII characters without spaces')
  .openapi({ example: 'order.created' });

export const IdParam = z.strictObject({ id: WebhookId.openapi({ param: { name: 'id', in: 'path' } }) });

const limit = z.coerce.number().int().min(1).max(500).default(50);

export const ListWebhooksQuery = z.strictObject({
  customer_id: CustomerId.optional(),
  status: z.enum(['ACTIVE', 'DISABLED']).optional(),
  limit,
  cursor: CursorParam,
});

export const ListDeliveriesQuery = z.strictObject({
  status: z.enum(['pending', 'held', 'delivered', 'failed', 'rejected', 'canceled']).optional(),
  limit,
  cursor: CursorParam,
});

export const StatsQuery = z.strictObject({
  window: z.coerce
    .number()
    .int()
    .min(1)
    .max(30 * 86_400)
    .default(3600)
    .openapi({ description: 'Seconds back from now' }),
});

export const EventBody = z
  .strictObject({
    id: z
      .string()
      .regex(/^[\x21-\x7e]{1,255}$/, 'must be 1-255 printable ASCII characters')
      .optional()
      .openapi({ description: 'Idempotency key; a repeat returns the first answer' }),
    type: EventType,
    data: z.record(z.string(), z.unknown()),
    source: text(255).optional(),
    event_time: z.iso.datetime({ offset: true, message: 'must be an RFC 3339 date-time' }).optional(),
  })
  .openapi('Event');

export const TriggerBody = z
  .strictObject({
    type: EventType,
    overrides: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi('Trigger');

export const EventAnswerSchema = z
  .object({
    id: z.string(),
    type: z.string(),
    deliveries: z.array(z.object({ webhook_id: z.string(), message_id: z.string() })),
  })
  .openapi('EventAccepted');

export const Faults = z
  .strictObject(Object.fromEntries(FAULT_KINDS.map((k) => [k, z.number().min(0).max(1).optional()])))
  .refine((f) => Object.values(f).reduce<number>((s, v) => s + (typeof v === 'number' ? v : 0), 0) <= 1, {
    message: 'fault shares add up to more than 1',
  })
  .openapi({ example: { bad_signature: 0.05, duplicate_id: 0.05 } });

/** `90`, `90s`, `15m`, `2h` → ms. */
export const Duration = z
  .union([
    z.number().positive(),
    z.string().regex(/^\d+(\.\d+)?(ms|s|m|h)?$/, 'must look like 90, 90s, 15m or 2h'),
  ])
  .transform((v) => {
    if (typeof v === 'number') return Math.round(v * 1000);
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v)!;
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's'] ?? 1000;
    return Math.round(Number(m[1]) * unit);
  })
  .openapi({ type: 'string', description: 'Seconds, or with a unit: 90s, 15m, 2h' });

const Share = (description: string) => z.coerce.number().min(0).max(1).optional().openapi({ description });
const SIMULATE_RETRY = 'Share of events whose data.simulate asks the consumer to fail them once or twice';
const SIMULATE_DEAD =
  'Share of events whose data.simulate asks the consumer to fail them always (they end in its DLQ)';

const EmitterOptionFields = {
  rate: z.coerce.number().positive().optional().openapi({ description: 'Events per second' }),
  count: z.coerce.number().int().min(1).optional().openapi({ description: 'Stop after this many events' }),
  duration: Duration.optional(),
  concurrency: z.coerce.number().int().min(1).optional(),
};

export const EmitterQuery = z.strictObject({
  customer_id: CustomerId,
  webhook_id: WebhookId,
  ...EmitterOptionFields,
  event_types: z
    .string()
    .transform((v) => v.split(',').filter(Boolean))
    .pipe(z.array(EventType).min(1))
    .optional()
    .openapi({ type: 'string', description: 'Comma-separated' }),
  simulate_retry: Share(SIMULATE_RETRY),
  simulate_dead: Share(SIMULATE_DEAD),
  ...Object.fromEntries(
    FAULT_KINDS.map((k) => [
      `fault_${k}`,
      z.coerce
        .number()
        .min(0)
        .max(1)
        .optional()
        .openapi({ description: `Share of ${k} faults` }),
    ]),
  ),
});

export const EmitterBody = z
  .strictObject({
    ...EmitterOptionFields,
    event_types: z.array(EventType).min(1).max(50).optional(),
    faults: Faults.optional(),
    simulate: z.strictObject({ retry: Share(SIMULATE_RETRY), dead: Share(SIMULATE_DEAD) }).optional(),
  })
  .openapi('EmitterOptions');

export const StopQuery = z.strictObject({ customer_id: CustomerId, webhook_id: WebhookId });

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

export const ListEmittersQuery = z.strictObject({
  status: z.enum(['running', 'stopped', 'completed', 'all']).default('running'),
  webhook_id: WebhookId.optional(),
  limit,
});

export const TypeName = EventType.openapi({ example: 'invoice.finalized' });

export const DefineEventTypeBody = z
  .strictObject({
    type: TypeName,
    description: text(1024).nullable().optional(),
    schema: z.record(z.string(), z.unknown()).openapi({
      description: 'A JSON Schema (draft 2020-12) of the event’s data: an object',
      example: {
        type: 'object',
        required: ['invoice_id', 'amount_due'],
        properties: {
          invoice_id: { type: 'string', pattern: '^in_[A-Za-z0-9]{14}$' },
          amount_due: { type: 'integer', minimum: 100, maximum: 100000 },
          customer_email: { type: 'string', format: 'email' },
        },
      },
    }),
  })
  .openapi('DefineEventType');

export const EventTypeSchema = z
  .object({
    type: z.string(),
    description: z.string().nullable(),
    builtin: z.boolean(),
    schema: z.record(z.string(), z.unknown()).optional().openapi({ description: 'User types only' }),
    example: z.unknown(),
  })
  .openapi('EventType');
