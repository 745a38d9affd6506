import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { errorResponse } from '@hookpipe/lib';

/** The shared error body, for the OpenAPI document. */
export const ErrorSchema = z
  .object({
    error: z.string().openapi({ example: 'validation_failed' }),
    message: z.string().openapi({ example: 'invalid query: limit: Too big: expected number to be <=500' }),
    details: z.unknown().optional(),
  })
  .openapi('Error');

export const errorContent = (description: string) => ({
  description,
  content: { 'application/json': { schema: ErrorSchema } },
});

/** Standard error answers every management route may give. */
export const commonErrors = {
  400: errorContent('Invalid parameters (`validation_failed`, `invalid_cursor`)'),
  401: errorContent('Missing or wrong X-API-Key (`unauthorized`)'),
  503: errorContent('The database is unavailable (`database_unavailable`)'),
} as const;

export const security = [{ ApiKey: [] }];

/**
 * Validation failures of the zod schemas, as 400 `validation_failed` naming each bad field. Used
 * as the OpenAPIHono `defaultHook`, so every route answers bad input the same way.
 */
export function validationHook(
  result:
    | { success: true }
    | { success: false; error: { issues: readonly { path: PropertyKey[]; message: string }[] } },
  c: Context,
  target?: string,
): Response | undefined {
  if (result.success) return undefined;
  const details = result.error.issues.map((i) => ({
    field: i.path.map(String).join('.') || '(root)',
    message: i.message,
  }));
  const first = details[0];
  const where = target === 'param' ? 'path' : target === 'json' ? 'body' : (target ?? 'request');
  return errorResponse(
    c,
    400,
    'validation_failed',
    first ? `invalid ${where}: ${first.field}: ${first.message}` : `invalid ${where}`,
    details,
  );
}

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

export const cursorParam = z
  .string()
  .max(1024)
  .optional()
  .openapi({ param: { name: 'cursor', in: 'query' }, description: 'The `next_cursor` of the previous page' });

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

export const customerIdParam = z
  .string()
  .min(1)
  .max(255)
  .optional()
  .openapi({ param: { name: 'customer_id', in: 'query' }, example: 'demo' });

export const typeParam = z
  .string()
  .min(1)
  .max(255)
  .optional()
  .openapi({ param: { name: 'type', in: 'query' }, example: 'order.created' });

/** The fields a bulk dead-letter route filters on. */
export const deadLetterFilterFields = {
  customer_id: z.string().min(1).max(255).optional(),
  type: z.string().min(1).max(255).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
};

/**
 * The body of the bulk dead-letter routes (replay, purge): exactly one of `ids` or a `filter`
 * (the given schema), and a `limit` up to `max`.
 */
export function deadLetterSelectionSchema<F extends z.ZodType>(max: number, filter: F) {
  return z
    .object({
      ids: z.array(z.number().int().min(1)).min(1).max(max).optional(),
      filter: filter.optional(),
      limit: z.number().int().min(1).max(max).default(max),
    })
    .strict()
    .refine((b) => (b.ids === undefined) !== (b.filter === undefined), {
      message: 'give exactly one of ids or filter',
    });
}
