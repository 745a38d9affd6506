import { z } from '@hono/zod-openapi';
import { SIGNATURE_SCHEMES } from '@hookpipe/lib';
import { CustomerId, EventTypePattern, WebhookUrl, text } from './schemas.js';

/** A webhook's registration, change and view, with its scheme, own secret and static payload. */

export const SignatureSchemeField = z.enum(SIGNATURE_SCHEMES).openapi({
  description:
    'How deliveries are signed: standard-webhooks (webhook-id/-timestamp/-signature), github (X-Hub-Signature-256, ' +
    'X-GitHub-Event, X-GitHub-Delivery) or stripe (Stripe-Signature, Stripe’s event body). Fixed at registration.',
  example: 'standard-webhooks',
});

export const SecretField = z
  .string()
  .max(300, 'must be at most 300 characters')
  .openapi({
    description:
      'Your own signing secret (default: one is generated). standard-webhooks: whsec_ + base64 of 16-128 bytes; ' +
      'github and stripe: 16-256 printable ASCII characters.',
    example: 'my GitHub webhook secret',
  });

export const MAX_PAYLOAD_BYTES = 64 * 1024;

/** A static payload: a JSON object of at most 64 KiB, merged into every generated event's data. */
export const StaticPayload = z
  .record(z.string(), z.unknown())
  .refine(
    (p) => Buffer.byteLength(JSON.stringify(p)) <= MAX_PAYLOAD_BYTES,
    `must be at most ${MAX_PAYLOAD_BYTES} bytes as JSON`,
  )
  .openapi({
    description:
      'Merged into the data of every generated event (emitters, trigger): objects deeply, its values over generated ones',
    example: { tenant: 'acme', source: 'hookpipe' },
  });

const RESERVED_HEADERS = new Set([
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'x-hub-signature-256',
  'x-github-event',
  'x-github-delivery',
  'stripe-signature',
  'content-type',
  'content-length',
  'host',
  'connection',
  'transfer-encoding',
  'user-agent',
]);
const Headers = z
  .record(
    z
      .string()
      .max(100, 'header names are at most 100 characters')
      .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'is not a valid header name')
      .refine((n) => !RESERVED_HEADERS.has(n.toLowerCase()), 'is set by the sender and cannot be overridden'),
    z
      .string()
      .max(1024, 'header values are at most 1024 characters')
      .regex(/^[\t\x20-\x7e\x80-\xff]*$/, 'header values must be printable'),
  )
  .refine((h) => Object.keys(h).length <= 20, 'at most 20 custom headers')
  .openapi({ example: { 'X-Tenant': 'acme' } });

export const CreateWebhookBody = z
  .strictObject({
    customer_id: CustomerId,
    webhook_url: WebhookUrl,
    event_types: z.array(EventTypePattern).min(1).max(50).optional(),
    description: text(1024).nullable().optional(),
    headers: Headers.optional(),
    max_in_flight: z.number().int().min(1).max(1000).optional(),
    signature_scheme: SignatureSchemeField.optional(),
    secret: SecretField.optional(),
    payload: StaticPayload.optional(),
  })
  .openapi('CreateWebhook');

export const PatchWebhookBody = z
  .strictObject({
    webhook_url: WebhookUrl.optional(),
    event_types: z.array(EventTypePattern).min(1).max(50).optional(),
    description: text(1024).nullable().optional(),
    headers: Headers.optional(),
    max_in_flight: z.number().int().min(1).max(1000).optional(),
    payload: StaticPayload.nullable().optional().openapi({ description: 'null removes the static payload' }),
    signature_scheme: SignatureSchemeField.optional().openapi({
      description: 'Fixed at registration: only the webhook’s own scheme is accepted here',
    }),
    active: z
      .boolean()
      .optional()
      .openapi({ description: 'false disables; true re-enables and resumes held deliveries' }),
  })
  .refine((p) => Object.keys(p).length > 0, 'give at least one field to change')
  .openapi('PatchWebhook');

export const WebhookSchema = z
  .object({
    webhook_id: z.string().openapi({ example: 'wh_01J9Z3Q4M8N6P2R5S7T9V1W3X5' }),
    customer_id: z.string(),
    webhook_url: z.string(),
    webhook_status: z.enum(['ACTIVE', 'DISABLED']),
    event_types: z.array(z.string()),
    description: z.string().nullable(),
    headers: z
      .record(z.string(), z.string())
      .openapi({ description: 'Values of credential-like headers are redacted' }),
    max_in_flight: z.number().int(),
    signature_scheme: z.enum(SIGNATURE_SCHEMES),
    payload: z.record(z.string(), z.unknown()).nullable(),
    failing_since: z.string().nullable(),
    disabled_at: z.string().nullable(),
    disabled_reason: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Webhook');

export const CreatedWebhookSchema = WebhookSchema.extend({
  secret_token: z.string().openapi({ description: 'Shown only in this answer', example: 'whsec_…' }),
}).openapi('CreatedWebhook');

export const RotateBody = z.strictObject({
  grace_seconds: z
    .number()
    .int()
    .min(0)
    .max(30 * 86_400)
    .optional()
    .openapi({ description: 'How long the old secret keeps signing (default SENDER_ROTATION_GRACE_S)' }),
  secret: SecretField.optional(),
});
