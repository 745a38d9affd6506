import { z } from '@hono/zod-openapi';

/**
 * Free text the database stores or compares: any characters but NUL (U+0000), which PostgreSQL's
 * text cannot hold. Saying so in the schema keeps the OpenAPI document and the API in agreement:
 * a NUL is refused with a 400 naming the field, never a 500 from the database.
 */
export const textField = (min: number, max: number) =>
  z
    .string()
    .min(min)
    .max(max)
    // eslint-disable-next-line no-control-regex -- the NUL is the point
    .regex(/^[^\u0000]*$/, 'must not contain the NUL character (U+0000)');
