import { z } from '@hono/zod-openapi';
import { textField } from '@hookpipe/lib/api';

const ISO_DATETIME = z.iso.datetime({ offset: true });

/** An RFC 3339 date-time query parameter, as a Date. */
export const dateTimeParam = (name: string, description: string) =>
  ISO_DATETIME.transform((s) => new Date(s))
    .optional()
    .openapi({ param: { name, in: 'query' }, description, example: '2025-01-01T00:00:00Z' });

export const limitParam = (max: number, fallback: number) =>
  z.coerce
    .number()
    .int()
    .min(1)
    .max(max)
    .default(fallback)
    .openapi({
      param: { name: 'limit', in: 'query' },
      description: `Page size, 1–${max}`,
      example: fallback,
    });

/** Webhook ids as Standard Webhooks allows them: 1–255 printable ASCII characters. */
export const webhookIdSchema = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, 'must be 1-255 printable ASCII characters');

/** A positive integer id in a path. */
export const idParam = (name: string) =>
  z
    .string()
    .regex(/^[1-9]\d{0,15}$/, 'must be a positive integer')
    .transform(Number)
    .openapi({ param: { name, in: 'path' }, example: '1' });

export const customerIdParam = textField(1, 255)
  .optional()
  .openapi({ param: { name: 'customer_id', in: 'query' }, example: 'demo' });

export const typeParam = textField(1, 255)
  .optional()
  .openapi({ param: { name: 'type', in: 'query' }, example: 'order.created' });

/** The fields a bulk dead-letter route filters on. */
export const deadLetterFilterFields = {
  customer_id: textField(1, 255).optional(),
  type: textField(1, 255).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
};

/**
 * The body of the bulk dead-letter routes (replay, purge): `{ids}` or `{filter}`, each with a
 * `limit` up to `max`. Two strict objects, so the JSON Schema itself says "exactly one of them".
 */
export function deadLetterSelectionSchema<F extends z.ZodType>(max: number, filter: F) {
  const limit = z.number().int().min(1).max(max).default(max);
  return z.union(
    [
      z
        .object({ ids: z.array(z.number().int().min(1).max(Number.MAX_SAFE_INTEGER)).min(1).max(max), limit })
        .strict(),
      z.object({ filter, limit }).strict(),
    ],
    { error: 'give exactly one of ids or filter' },
  );
}
