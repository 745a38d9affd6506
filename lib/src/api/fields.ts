import { z } from '@hono/zod-openapi';

/**
 * Free text the database stores or compares, or that may reach a header or a log line: any
 * characters but the C0 controls and DEL (NUL, which PostgreSQL's text cannot hold, CR/LF, which
 * could split a header or a log line). The pattern is plain JSON Schema (no flags), so the OpenAPI
 * document says exactly what the API takes: a control character is a 400 naming the field, never
 * a 500 from the database.
 */
export const textField = (min: number, max: number) =>
  z
    .string()
    .min(min, min === 1 ? 'must not be empty' : `must be at least ${min} characters`)
    .max(max, `must be at most ${max} characters`)
    // eslint-disable-next-line no-control-regex -- control characters are what it refuses
    .regex(/^[^\x00-\x1f\x7f]*$/, 'must not contain control characters');
