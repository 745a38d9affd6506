import { z } from '@hono/zod-openapi';
import { jsonObjectField, queryNumber, textField } from '@hookpipe/lib/api';
import { deliveryCursor, WEBHOOK_ID_PATTERN, webhookCursor } from './cursors.js';

/** Text without control characters (no CR/LF smuggling into headers or logs): the kit's textField. */
export const text = (max: number) => textField(1, max);

export const CustomerId = text(255).openapi({ example: 'ben@webhooksystem' });
export const WebhookId = z.string().regex(WEBHOOK_ID_PATTERN, 'is not a webhook id (wh_…)');
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

export const limit = queryNumber(z.number().int().min(1).max(500)).default(50);

export const ListWebhooksQuery = z.strictObject({
  customer_id: CustomerId.optional(),
  status: z.enum(['ACTIVE', 'DISABLED']).optional(),
  limit,
  cursor: webhookCursor.param,
});

export const ListDeliveriesQuery = z.strictObject({
  status: z.enum(['pending', 'held', 'delivered', 'failed', 'rejected', 'canceled']).optional(),
  limit,
  cursor: deliveryCursor.param,
});

export const StatsQuery = z.strictObject({
  window: queryNumber(
    z
      .number()
      .int()
      .min(1)
      .max(30 * 86_400),
  )
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
    data: jsonObjectField(),
    source: text(255).optional(),
    event_time: z.iso.datetime({ offset: true, message: 'must be an RFC 3339 date-time' }).optional(),
  })
  .openapi('Event');

export const TriggerBody = z
  .strictObject({
    type: EventType,
    overrides: jsonObjectField().optional(),
  })
  .openapi('Trigger');

export const EventAnswerSchema = z
  .object({
    id: z.string(),
    type: z.string(),
    deliveries: z.array(z.object({ webhook_id: z.string(), message_id: z.string() })),
  })
  .openapi('EventAccepted');

export const TypeName = EventType.openapi({ example: 'invoice.finalized' });

export const DefineEventTypeBody = z
  .strictObject({
    type: TypeName,
    description: text(1024).nullable().optional(),
    schema: jsonObjectField().openapi({
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
