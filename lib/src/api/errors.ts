import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { ApiError, errorResponse } from '../http.js';

/** The shared error body as an OpenAPI component: every error answer of every API has this shape. */
export const ErrorSchema = z
  .object({
    error: z.string().openapi({ example: 'validation_failed' }),
    message: z.string().openapi({ example: 'invalid body: webhook_url: must be an absolute http(s) URL' }),
    details: z.unknown().optional(),
  })
  .openapi('Error');

/** Where a bad value was found, as the error answer names it. */
export type InputLocation = 'path' | 'query' | 'body' | 'header' | 'cookie';

/** What validation reports about one value: a zod issue, or one a route makes up the same way. */
export interface InputIssue {
  path: readonly PropertyKey[];
  message: string;
  code?: string;
  keys?: readonly string[];
  /** For a union none of whose branches matched: each branch's own issues. */
  errors?: readonly (readonly InputIssue[])[];
  /** For a record key that failed its schema: why. */
  issues?: readonly InputIssue[];
}

/**
 * What an issue means for the caller. A union none of whose branches matched says only "Invalid
 * input": when one branch came closest (fewest issues), its issues are what is wrong; on a tie
 * the union's own message stands (give it one, e.g. "give exactly one of ids or filter").
 */
function explain(issue: InputIssue): readonly InputIssue[] {
  // A record's bad key says only "Invalid key in record": its own issues say why, at the key.
  if (issue.code === 'invalid_key' && issue.issues?.length) {
    return issue.issues.flatMap((inner) => explain({ ...inner, path: [...issue.path, ...inner.path] }));
  }
  if (issue.code !== 'invalid_union' || !issue.errors?.length) return [issue];
  const sizes = issue.errors.map((branch) => branch.length);
  const fewest = Math.min(...sizes);
  if (sizes.filter((n) => n === fewest).length > 1) return [issue];
  const branch = issue.errors[sizes.indexOf(fewest)]!;
  return branch.flatMap((inner) => explain({ ...inner, path: [...issue.path, ...inner.path] }));
}

/** One entry of a `validation_failed` answer's `details`. */
export interface FieldProblem {
  location: InputLocation;
  field: string;
  message: string;
}

/**
 * 400 `validation_failed` listing every issue as `{ location, field, message }`, with the
 * message `invalid <location>: <field>: <message>; …`. An unknown key of a strict object is one
 * entry per key ("unknown field").
 */
export function validationError(location: InputLocation, issues: readonly InputIssue[]): ApiError {
  const details: FieldProblem[] = issues.flatMap(explain).flatMap((issue) => {
    const at = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys' && issue.keys) {
      return issue.keys.map((key) => ({
        location,
        field: at ? `${at}.${key}` : key,
        message: 'unknown field',
      }));
    }
    return [{ location, field: at || '(root)', message: issue.message }];
  });
  const summary = details.map((d) => `${d.field}: ${d.message}`).join('; ');
  return new ApiError(400, 'validation_failed', `invalid ${location}: ${summary}`, details);
}

const LOCATIONS: Record<string, InputLocation> = {
  param: 'path',
  query: 'query',
  json: 'body',
  form: 'body',
  header: 'header',
  cookie: 'cookie',
};

/**
 * OpenAPIHono's `defaultHook`: a route declared with `createRoute` + `app.openapi` answers bad
 * input exactly as one declared with {@link defineRoute}.
 */
export function validationHook(
  result: { target: string } & (
    { success: true } | { success: false; error: { issues: readonly InputIssue[] } }
  ),
  c: Context,
): Response | undefined {
  if (result.success) return undefined;
  const err = validationError(LOCATIONS[result.target] ?? 'body', result.error.issues);
  return errorResponse(c, err.status, err.code, err.message, err.details);
}

const errorContent = (description: string) => ({
  description,
  content: { 'application/json': { schema: ErrorSchema } },
});

/** The error answers a route documents besides its own: which ones depend on the route. */
export const STANDARD_ERRORS = {
  400: errorContent(
    'Invalid input: `validation_failed` (`details` lists each field and what is wrong with it), ' +
      '`invalid_json` or `body_required`',
  ),
  401: errorContent('Missing, unknown, revoked or expired X-API-Key (`unauthorized`)'),
  403: errorContent('The key lacks the scope this route needs (`missing_scope`; `details.missing` names it)'),
  503: errorContent('The database is unavailable (`database_unavailable`); try again after `Retry-After`'),
} as const;

/** The OpenAPI security requirement of a route behind `X-API-Key`. */
export const API_KEY_SECURITY = [{ ApiKey: [] }];
