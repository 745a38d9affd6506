import { z } from '@hono/zod-openapi';
import { ApiError, SIGNATURE_SCHEMES, type TargetPolicy } from '@hookpipe/lib';
import { schemeSecretBody, targetUrlField, textField, validationError } from '@hookpipe/lib/api';
import { OPERATIONAL_EVENT_TYPES } from '../ops/events.js';

const ALLOWED_TYPES = [...OPERATIONAL_EVENT_TYPES, '*'] as const;

// Documented as the enum (so clients and fuzzers send those) but read as any text, so that an
// unknown type is the contract's 422 naming the allowed values rather than the kit's 400.
const eventTypesField = z
  .array(textField(1, 255).openapi({ enum: [...ALLOWED_TYPES] } as never))
  .min(1, 'must not be empty')
  .max(10, 'must be at most 10 types')
  .openapi({ description: 'Operational event types, or `["*"]` (the default) for all' });

const descriptionField = textField(0, 500).nullable();

/** 422 `validation_failed` naming each unknown event type and the allowed values; else the types, deduplicated. */
export function checkEventTypes(types: readonly string[]): string[] {
  const issues = types.flatMap((t, i) =>
    (ALLOWED_TYPES as readonly string[]).includes(t)
      ? []
      : [{ path: ['event_types', i], message: `unknown event type; allowed: ${ALLOWED_TYPES.join(', ')}` }],
  );
  if (issues.length > 0) {
    const err = validationError('body', issues);
    throw new ApiError(422, err.code, err.message, err.details);
  }
  return [...new Set(types)];
}

/**
 * The bodies of POST and PATCH: `url` as CONSUMER_ALLOWED_HOSTS takes it (the same policy as the
 * sender's webhook URLs, its pattern in the document).
 */
export function makeOperationalBodies(targets: TargetPolicy) {
  const urlField = targetUrlField(targets).openapi({ example: 'http://127.0.0.1:9000/ops' });
  const CreateBody = schemeSecretBody(
    { url: urlField, event_types: eventTypesField.optional(), description: descriptionField.optional() },
    (secret) => secret.optional(),
  );
  const PatchBody = z
    .strictObject({
      url: urlField.optional(),
      event_types: eventTypesField.optional(),
      description: descriptionField.optional(),
      active: z.boolean().optional(),
    })
    .openapi('OperationalWebhookPatch');
  return { CreateBody, PatchBody };
}

export const OperationalWebhookSchema = z
  .object({
    id: z.string().openapi({ example: 'opwh_01JC0000000000000000000000' }),
    url: z.string(),
    signature_scheme: z.enum(SIGNATURE_SCHEMES),
    event_types: z.array(z.string()),
    description: z.string().nullable(),
    active: z.boolean(),
    created_at: z.string(),
  })
  .openapi('OperationalWebhook');

export const CreatedSchema = OperationalWebhookSchema.extend({
  secret: z.string().openapi({ description: 'Shown only in this answer' }),
}).openapi('OperationalWebhookCreated');

export const OperationalDeliverySchema = z
  .object({
    id: z.number().int(),
    message_id: z.string().openapi({ description: 'The webhook-id, the same on every attempt' }),
    event_type: z.enum(OPERATIONAL_EVENT_TYPES),
    status: z.enum(['pending', 'delivered', 'failed', 'canceled']),
    attempts: z.number().int(),
    last_status_code: z.number().int().nullable(),
    last_error: z.string().nullable(),
    last_attempt_at: z.string().nullable(),
    next_attempt_at: z.string().nullable(),
    created_at: z.string(),
    finished_at: z.string().nullable(),
  })
  .openapi('OperationalDelivery');

const nullableText = z.string().nullable();

/** The payloads, as the OpenAPI document's top-level `webhooks` lists them. */
export const PAYLOADS = {
  'dead_letter.created': z
    .object({
      type: z.literal('dead_letter.created'),
      timestamp: z.string(),
      data: z.object({
        dead_letter_id: z.number().int(),
        event_id: z.string().openapi({ description: 'The dead event’s webhook-id' }),
        customer_id: nullableText,
        event_type: nullableText,
        retry_count: z.number().int(),
        reason: z.string(),
        created_at: z.string(),
      }),
    })
    .openapi('DeadLetterCreatedPayload'),
  'dead_letter.replayed': z
    .object({
      type: z.literal('dead_letter.replayed'),
      timestamp: z.string(),
      data: z.object({
        dead_letter_id: z.number().int(),
        event_id: z.string(),
        customer_id: nullableText,
        event_type: nullableText,
        replayed_at: z.string(),
      }),
    })
    .openapi('DeadLetterReplayedPayload'),
} as const;
