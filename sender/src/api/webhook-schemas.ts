import { z } from '@hono/zod-openapi';
import { SIGNATURE_SCHEMES, type TargetPolicy } from '@hookpipe/lib';
import { jsonObjectField, printableSecretField, schemeSecretBody, targetUrlField } from '@hookpipe/lib/api';
import { CustomerId, EventTypePattern, text } from './schemas.js';

/** A webhook's registration, change and view, with its scheme, own secret and static payload. */

export const SignatureSchemeField = z.enum(SIGNATURE_SCHEMES).openapi({
  description:
    'How deliveries are signed: standard-webhooks (webhook-id/-timestamp/-signature), github (X-Hub-Signature-256, ' +
    'X-GitHub-Event, X-GitHub-Delivery) or stripe (Stripe-Signature, Stripe’s event body). Fixed at registration.',
  example: 'standard-webhooks',
});

export const MAX_PAYLOAD_BYTES = 64 * 1024;

/** A static payload: a JSON object of at most 64 KiB, merged into every generated event's data. */
export const StaticPayload = jsonObjectField()
  .refine(
    (p) => Buffer.byteLength(JSON.stringify(p)) <= MAX_PAYLOAD_BYTES,
    `must be at most ${MAX_PAYLOAD_BYTES} bytes as JSON`,
  )
  .openapi({
    description:
      'Merged into the data of every generated event (emitters, trigger): objects deeply, its values over ' +
      `generated ones. At most ${MAX_PAYLOAD_BYTES} bytes as JSON (a larger one is a 400 naming payload).`,
    example: { tenant: 'acme', source: 'hookpipe' },
  });

const RESERVED_HEADERS = [
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
];
const MAX_HEADERS = 20;
/** Each letter as a class of its two cases: a case-insensitive name in a plain (flagless) pattern. */
const anyCase = (name: string) => name.replace(/[a-z]/g, (c) => `[${c}${c.toUpperCase()}]`);
const TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/;
// The document's name pattern: a token, but none of the names the sender sets itself.
const HEADER_NAME = `^(?!(?:${RESERVED_HEADERS.map(anyCase).join('|')})$)${TOKEN.source.slice(1)}`;
const reserved = new Set(RESERVED_HEADERS);

const Headers = z
  .record(
    z
      .string()
      .regex(TOKEN, 'is not a valid header name (1-100 token characters)')
      .refine((n) => !reserved.has(n.toLowerCase()), 'is set by the sender and cannot be overridden'),
    z
      .string()
      .max(1024, 'header values are at most 1024 characters')
      .regex(/^[\t\x20-\x7e\x80-\xff]*$/, 'header values must be printable'),
  )
  .refine((h) => Object.keys(h).length <= MAX_HEADERS, `at most ${MAX_HEADERS} custom headers`)
  .openapi({
    description: `Up to ${MAX_HEADERS} headers sent with every delivery; not those the sender sets (${RESERVED_HEADERS.join(', ')})`,
    example: { 'X-Tenant': 'acme' },
    propertyNames: { pattern: HEADER_NAME },
    maxProperties: MAX_HEADERS,
  } as never);

const SCHEME_AND_SECRET =
  '`signature_scheme`: how deliveries are signed: standard-webhooks (webhook-id/-timestamp/-signature, the ' +
  'default), github (X-Hub-Signature-256, X-GitHub-Event, X-GitHub-Delivery) or stripe (Stripe-Signature, ' +
  'Stripe’s event body); fixed at registration. `secret`: your own signing secret (default: one is generated): ' +
  'standard-webhooks takes whsec_ + base64 of 16-128 bytes, github and stripe 16-256 printable ASCII characters.';

/** The registration and change bodies: `webhook_url` as the sender's allow-list takes it. */
export function makeWebhookBodies(targets: TargetPolicy) {
  const fields = {
    webhook_url: targetUrlField(targets),
    event_types: z.array(EventTypePattern).min(1).max(50).optional(),
    description: text(1024).nullable().optional(),
    headers: Headers.optional(),
    max_in_flight: z.number().int().min(1).max(1000).optional(),
  };
  const CreateWebhookBody = schemeSecretBody(
    { customer_id: CustomerId, ...fields, payload: StaticPayload.optional() },
    (secret) => secret.optional(),
  ).openapi('CreateWebhook', { description: SCHEME_AND_SECRET });

  const PatchWebhookBody = z
    .strictObject({
      ...fields,
      webhook_url: fields.webhook_url.optional(),
      payload: StaticPayload.nullable()
        .optional()
        .openapi({ description: 'null removes the static payload' }),
      signature_scheme: SignatureSchemeField.optional().openapi({
        description:
          'Fixed at registration: only the webhook’s own scheme is accepted here (another is a 409 `signature_scheme_fixed`)',
      }),
      active: z
        .boolean()
        .optional()
        .openapi({ description: 'false disables; true re-enables and resumes held deliveries' }),
    })
    .refine((p) => Object.keys(p).length > 0, 'give at least one field to change')
    .openapi('PatchWebhook', { minProperties: 1 } as never);

  return { CreateWebhookBody, PatchWebhookBody };
}

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
  secret: printableSecretField.optional().openapi({
    description:
      'Your own new secret (default: one is generated); it must fit the webhook’s scheme (standard-webhooks: ' +
      'whsec_ + base64 of 16-128 bytes), else 409 `secret_scheme_mismatch`',
  }),
});
