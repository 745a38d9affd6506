import type { Context } from 'hono';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { z } from '@hono/zod-openapi';
import { ApiError, type Logger } from '@hookpipe/lib';

export type AppEnv = { Variables: { requestId: string; log: Logger } };
export type AppContext = Context<AppEnv>;

export const ErrorSchema = z
  .object({
    error: z.string().openapi({ example: 'validation_failed' }),
    message: z.string().openapi({ example: 'invalid body: webhook_url: must be an absolute http(s) URL' }),
    details: z.unknown().optional(),
  })
  .openapi('Error');

type Location = 'path' | 'query' | 'body';
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

/** Turns zod issues into the shared error answer, naming each field and what is wrong with it. */
export function validationError(location: Location, issues: readonly z.core.$ZodIssue[]): ApiError {
  const details = issues.flatMap((issue) => {
    const at = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
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

function parse<S extends z.ZodType>(schema: S, value: unknown, location: Location): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(location, result.error.issues);
  return result.data;
}

const JSON_TYPES = new Set(['', 'application/json', 'text/plain', 'application/x-www-form-urlencoded']);

/**
 * Reads a JSON body. Besides application/json it takes what curl sends with a bare `-d`
 * (application/x-www-form-urlencoded) and no content type at all, so the seed's curl lines
 * work as written; anything else is 415.
 */
export async function readJson(c: AppContext, required: boolean): Promise<unknown> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  const text = await c.req.text();
  if (text.trim() === '') {
    if (required) throw new ApiError(400, 'body_required', 'this route needs a JSON body');
    return undefined;
  }
  if (!JSON_TYPES.has(type) && !type.endsWith('+json')) {
    throw new ApiError(415, 'unsupported_media_type', `send the body as application/json, not ${type}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ApiError(400, 'invalid_json', `the body is not valid JSON: ${(err as Error).message}`);
  }
}

export interface RouteSpec<P, Q, B> {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** OpenAPI style: `/webhooks/{id}`. */
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  params?: P;
  query?: Q;
  body?: B;
  bodyRequired?: boolean;
  responses: Record<number, { description: string; schema?: z.ZodType }>;
  /** No X-API-Key needed. */
  open?: boolean;
}

const STANDARD_ERRORS: Record<number, string> = {
  400: 'Invalid input; `details` lists each field and what is wrong with it',
  401: 'Missing or invalid X-API-Key',
};

/**
 * Registers a route: documents it in the app's OpenAPI registry with the same zod schemas that
 * then validate its path, query and body, and mounts the handler with typed, validated input.
 */
export function defineRoute<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(
  app: OpenAPIHono<AppEnv>,
  spec: RouteSpec<P, Q, B>,
  handler: (
    c: AppContext,
    input: { params: Out<P>; query: Out<Q>; body: Out<B> },
  ) => Response | Promise<Response>,
): void {
  const responses: Record<string, unknown> = {};
  const errors = { ...(spec.open ? {} : { 401: STANDARD_ERRORS[401] }), 400: STANDARD_ERRORS[400] };
  for (const [code, description] of Object.entries(errors)) {
    responses[code] = { description, content: { 'application/json': { schema: ErrorSchema } } };
  }
  for (const [code, r] of Object.entries(spec.responses)) {
    const schema = r.schema ?? (Number(code) >= 400 ? ErrorSchema : undefined);
    responses[code] = schema
      ? { description: r.description, content: { 'application/json': { schema } } }
      : { description: r.description };
  }
  app.openAPIRegistry.registerPath({
    method: spec.method,
    path: spec.path,
    summary: spec.summary,
    description: spec.description,
    tags: spec.tags,
    security: spec.open ? [] : [{ ApiKey: [] }],
    request: {
      params: spec.params as never,
      query: spec.query as never,
      body: spec.body
        ? { required: spec.bodyRequired ?? false, content: { 'application/json': { schema: spec.body } } }
        : undefined,
    },
    responses: responses as never,
  });
  const honoPath = spec.path.replace(/\{(\w+)\}/g, ':$1');
  app.on(spec.method.toUpperCase(), honoPath, async (c) => {
    const params = spec.params ? parse(spec.params, c.req.param(), 'path') : undefined;
    const query = spec.query ? parse(spec.query, c.req.query(), 'query') : undefined;
    let body: unknown;
    if (spec.body) {
      const raw = await readJson(c, spec.bodyRequired ?? false);
      body = parse(spec.body, raw ?? {}, 'body');
    }
    return handler(c, { params, query, body } as { params: Out<P>; query: Out<Q>; body: Out<B> });
  });
}
