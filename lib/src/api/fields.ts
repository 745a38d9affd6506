import { z } from '@hono/zod-openapi';
import type { TargetPolicy } from '../targets.js';
import { validationError } from './errors.js';

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

// PostgreSQL's jsonb cannot hold U+0000 (a 500 from the database otherwise).
// eslint-disable-next-line no-control-regex -- NUL is what it refuses
const NO_NUL = /^[^\x00]*$/;
const NUL_MESSAGE = 'must not contain NUL (U+0000)';

/** The path to the first string or key in `value` that holds NUL, or null when none does. */
function findNul(value: unknown, at: PropertyKey[]): PropertyKey[] | null {
  if (typeof value === 'string') return NO_NUL.test(value) ? null : at;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = findNul(item, [...at, i]);
      if (found) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (!NO_NUL.test(key)) return [...at, key];
      const found = findNul(item, [...at, key]);
      if (found) return found;
    }
  }
  return null;
}

const noNul = (value: unknown, ctx: z.RefinementCtx) => {
  const at = findNul(value, []);
  if (at) ctx.addIssue({ code: 'custom', path: at, message: NUL_MESSAGE });
};

// One schema without a `type`: each keyword constrains only the kind of value it applies to
// (`pattern` strings, `propertyNames` and `additionalProperties` objects, `items` arrays), and it
// refers to itself, so it reaches every depth.
const SELF = { $ref: '#/components/schemas/JsonValue' };
const jsonValue = z
  .unknown()
  .superRefine(noNul)
  .openapi('JsonValue', {
    description: 'Any JSON value; no string or key in it contains NUL (U+0000)',
    pattern: NO_NUL.source,
    propertyNames: { pattern: NO_NUL.source },
    items: SELF,
    additionalProperties: SELF,
  } as never);

/**
 * A JSON object the database stores (jsonb): any keys and values, but no string or key at any
 * depth may contain NUL (U+0000), which jsonb cannot hold. Documented exactly, through the
 * `JsonValue` component; a NUL is a 400 naming where it is.
 */
export const jsonObjectField = () =>
  z
    .record(z.string(), jsonValue)
    .superRefine(noNul)
    .openapi({ propertyNames: { pattern: NO_NUL.source } } as never);

// The text of a JSON number: what a query parameter of type number or integer holds.
const JSON_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

/**
 * A number in the query string, checked by `schema` (documented as it). Only the text of a
 * number is read as one: not '', ' 1', '0x10' or 'Infinity', which a plain coercion turns into a
 * number the document never allowed.
 */
export const queryNumber = <T extends z.ZodType<number>>(schema: T) =>
  z.preprocess((v) => (typeof v === 'string' && JSON_NUMBER.test(v) ? Number(v) : v), schema);

/**
 * A URL the service will send to: exactly what its target allow-list takes, the pattern published
 * in the document (so clients and fuzzers send only URLs that pass). The routes still call
 * `policy.check` for the 4xx naming the field and the reason.
 */
export const targetUrlField = (policy: TargetPolicy) =>
  z
    .string()
    .max(2048, 'must be at most 2048 characters')
    .regex(
      policy.urlPattern,
      `must be an absolute http(s) URL, without credentials, whose host (in lowercase) is in the allow-list (${policy.variable}: ${policy.allowed.join(', ')})`,
    )
    .openapi({ example: 'http://localhost:8081/webhook' });

/**
 * Checks a URL against the allow-list as the routes do before storing it: a 400 naming `field`
 * and the reason (the host and the variable that would allow it) when it may not be sent to.
 */
export function checkTargetUrl(policy: TargetPolicy, url: string, field: string): void {
  const verdict = policy.check(url, field);
  if (!verdict.ok) throw validationError('body', [{ path: [field], message: verdict.message }]);
}
