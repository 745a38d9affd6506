import { OpenAPIHono, type z } from '@hono/zod-openapi';
import type { Context, Env } from 'hono';
import { readJson } from './body.js';
import { requireScope } from './keys/identity.js';
import {
  API_KEY_SECURITY,
  ErrorSchema,
  STANDARD_ERRORS,
  validationError,
  validationHook,
  type InputLocation,
} from './errors.js';

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

/** One route: its OpenAPI description, and the schemas that both document and validate its input. */
export interface RouteSpec<P, Q, B> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI style: `/webhooks/{id}`. */
  path: string;
  summary: string;
  description?: string;
  tags?: string[];
  params?: P;
  query?: Q;
  /** A JSON body (see {@link readJson}); an absent one validates as `{}` unless `bodyRequired`. */
  body?: B;
  bodyRequired?: boolean;
  /** The route's own answers; an error status without a schema gets the Error component. */
  responses: Record<number, { description: string; schema?: z.ZodType }>;
  /** No X-API-Key needed (no 401). */
  open?: boolean;
  /** The scope the caller's key needs (403 `missing_scope` otherwise); any valid key when left out. */
  scope?: string;
  /** The route reads or writes the database, so it may answer 503 `database_unavailable`. */
  database?: boolean;
}

/** An OpenAPIHono app whose `createRoute` routes answer bad input like {@link defineRoute}'s. */
export function makeApiApp<E extends Env = Env>(): OpenAPIHono<E> {
  return new OpenAPIHono<E>({ defaultHook: validationHook });
}

function parse<S extends z.ZodType>(schema: S, value: unknown, location: InputLocation): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(location, result.error.issues);
  return result.data;
}

function documentedResponses(spec: RouteSpec<unknown, unknown, unknown>): Record<string, unknown> {
  const takesInput = spec.params !== undefined || spec.query !== undefined || spec.body !== undefined;
  const responses: Record<string, unknown> = {
    ...(takesInput ? { 400: STANDARD_ERRORS[400] } : {}),
    ...(spec.open ? {} : { 401: STANDARD_ERRORS[401] }),
    ...(spec.scope ? { 403: STANDARD_ERRORS[403] } : {}),
    ...(spec.database ? { 503: STANDARD_ERRORS[503] } : {}),
  };
  for (const [code, r] of Object.entries(spec.responses)) {
    const schema = r.schema ?? (Number(code) >= 400 ? ErrorSchema : undefined);
    responses[code] = schema
      ? { description: r.description, content: { 'application/json': { schema } } }
      : { description: r.description };
  }
  return responses;
}

/**
 * Registers a route: documents it in the app's OpenAPI registry with the same zod schemas that
 * then validate its path, query and body, and mounts the handler with typed, validated input.
 * Bad input is 400 `validation_failed` naming every bad field (see {@link validationError}).
 */
export function defineRoute<
  E extends Env,
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(
  app: OpenAPIHono<E>,
  spec: RouteSpec<P, Q, B>,
  handler: (
    c: Context<E>,
    input: { params: Out<P>; query: Out<Q>; body: Out<B> },
  ) => Response | Promise<Response>,
): void {
  app.openAPIRegistry.registerPath({
    method: spec.method,
    path: spec.path,
    summary: spec.summary,
    description: spec.scope
      ? `${spec.description ?? ''}${spec.description ? '\n\n' : ''}Scope: \`${spec.scope}\`.`
      : spec.description,
    tags: spec.tags,
    security: spec.open ? [] : API_KEY_SECURITY,
    request: {
      params: spec.params as never,
      query: spec.query as never,
      body: spec.body
        ? { required: spec.bodyRequired ?? false, content: { 'application/json': { schema: spec.body } } }
        : undefined,
    },
    responses: documentedResponses(spec) as never,
  });
  const honoPath = spec.path.replace(/\{(\w+)\}/g, ':$1');
  app.on(spec.method.toUpperCase(), honoPath, async (c) => {
    if (spec.scope) requireScope(c, spec.scope);
    const params = spec.params ? parse(spec.params, c.req.param(), 'path') : undefined;
    const query = spec.query ? parse(spec.query, c.req.query(), 'query') : undefined;
    let body: unknown;
    if (spec.body) {
      const raw = await readJson(c, spec.bodyRequired ?? false);
      // Only an absent body stands for {}: a JSON null is a body, and not an object.
      body = parse(spec.body, raw === undefined ? {} : raw, 'body');
    }
    return handler(c, { params, query, body } as { params: Out<P>; query: Out<Q>; body: Out<B> });
  });
}
