import { z } from '@hono/zod-openapi';
import { SIGNATURE_SCHEMES, type TargetPolicy } from '@hookpipe/lib';
import { schemeSecretBody, targetUrlField } from '@hookpipe/lib/api';
import { OPERATIONAL_EVENT_TYPES } from '../model/operational.js';
import { OPERATIONAL_ID_PATTERN } from './cursors.js';
import { text } from './schemas.js';

/** What `event_types` may hold: the sender's operational event types, or `*` for all of them. */
export const OPERATIONAL_TYPE_CHOICES = ['*', ...OPERATIONAL_EVENT_TYPES] as const;

export const OperationalIdParam = z.strictObject({
  id: z
    .string()
    .regex(OPERATIONAL_ID_PATTERN, 'is not an operational webhook id (opwh_…)')
    .openapi({ param: { name: 'id', in: 'path' }, example: 'opwh_01J9Z3Q4M8N6P2R5S7T9V1W3X5' }),
});

// The document lists the choices; a type outside them is a 422 naming it (see the routes), not a 400.
const EventTypes = z
  .array(z.string().openapi({ enum: [...OPERATIONAL_TYPE_CHOICES] } as never))
  .min(1, 'give at least one event type, or "*"')
  .max(10)
  .openapi({
    description: `Which events it gets: ${OPERATIONAL_TYPE_CHOICES.join(', ')} (\`*\`: all, the default)`,
    example: ['endpoint.disabled', 'message.attempt.exhausted'],
  });

/** The bodies of POST and PATCH /operational-webhooks: `url` as a webhook's URL is taken. */
export function makeOperationalBodies(targets: TargetPolicy) {
  const fields = {
    url: targetUrlField(targets),
    event_types: EventTypes.optional(),
    description: text(1024).nullable().optional(),
  };
  const CreateOperationalWebhookBody = schemeSecretBody(fields, (secret) => secret.optional()).openapi(
    'CreateOperationalWebhook',
    {
      description:
        '`signature_scheme` (default standard-webhooks) and `secret` (default: one is generated) as for a webhook.',
    },
  );
  const PatchOperationalWebhookBody = z
    .strictObject({
      ...fields,
      url: fields.url.optional(),
      active: z
        .boolean()
        .optional()
        .openapi({ description: 'false disables it (its deliveries wait); true enables it again' }),
    })
    .refine((p) => Object.keys(p).length > 0, 'give at least one field to change')
    .openapi('PatchOperationalWebhook', { minProperties: 1 } as never);
  return { CreateOperationalWebhookBody, PatchOperationalWebhookBody };
}

export const OperationalWebhookSchema = z
  .object({
    id: z.string().openapi({ example: 'opwh_01J9Z3Q4M8N6P2R5S7T9V1W3X5' }),
    url: z.string(),
    signature_scheme: z.enum(SIGNATURE_SCHEMES),
    event_types: z.array(z.string()),
    description: z.string().nullable(),
    active: z.boolean(),
    created_at: z.string(),
  })
  .openapi('OperationalWebhook');

export const CreatedOperationalWebhookSchema = OperationalWebhookSchema.extend({
  secret: z.string().openapi({ description: 'Shown only in this answer', example: 'whsec_…' }),
}).openapi('CreatedOperationalWebhook');

const iso = z.string().openapi({ format: 'date-time' });
const nullableIso = iso.nullable();

/** The data of each operational event, by type (the body is `{ type, timestamp, data }`). */
export const OPERATIONAL_PAYLOADS = {
  'endpoint.disabled': {
    summary:
      'A webhook was disabled: after failing for SENDER_DISABLE_AFTER_S (automatic), or by PATCH (manual)',
    data: z.object({
      webhook_id: z.string(),
      customer_id: z.string(),
      url: z.string(),
      trigger: z.enum(['automatic', 'manual']),
      failing_since: nullableIso,
      disabled_at: iso,
      reason: z.string(),
    }),
  },
  'endpoint.enabled': {
    summary: 'A disabled webhook was made active again through the API',
    data: z.object({ webhook_id: z.string(), customer_id: z.string(), url: z.string(), enabled_at: iso }),
  },
  'message.attempt.exhausted': {
    summary: 'A delivery failed for good (its last attempt failed, or its answer is not retried)',
    data: z.object({
      webhook_id: z.string(),
      customer_id: z.string(),
      message_id: z.string(),
      event_id: z.string().nullable(),
      event_type: z.string(),
      attempts: z.number().int(),
      last_status_code: z.number().int().nullable(),
      last_error: z.string().nullable(),
      failed_at: iso,
    }),
  },
} as const;

/** The body of one operational event type, as a named schema. */
export const operationalPayload = (type: keyof typeof OPERATIONAL_PAYLOADS) =>
  z
    .object({ type: z.literal(type), timestamp: iso, data: OPERATIONAL_PAYLOADS[type].data })
    .openapi(`OperationalEvent_${type.replace(/\./g, '_')}`);
