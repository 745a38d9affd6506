import { timingSafeEqual, createHash } from 'node:crypto';
import type { Context, Env, Hono, MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from './logger.js';

/**
 * The JSON body of every error answer: a stable machine-readable `error` code, a sentence for
 * people, and optional `details` (for instance the fields that failed validation).
 */
export interface ErrorBody {
  error: string;
  message: string;
  details?: unknown;
}

/** An expected HTTP failure, turned into `{ error, message, details }` by {@link errorHandler}. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

/** Writes an error answer in the shared shape. */
export function errorResponse(
  c: Context,
  status: ContentfulStatusCode,
  code: string,
  message: string,
  details?: unknown,
  headers?: Record<string, string>,
): Response {
  const body: ErrorBody =
    details === undefined ? { error: code, message } : { error: code, message, details };
  return c.json(body, status, headers);
}

/** `app.onError` handler: ApiError as its JSON; anything else a logged 500 that leaks nothing. */
export function errorHandler(logger: Logger) {
  return (err: Error, c: Context): Response => {
    if (err instanceof ApiError)
      return errorResponse(c, err.status, err.code, err.message, err.details, err.headers);
    // Hono's own HTTPException (for instance from its body-limit or validator middleware).
    const status = (err as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return errorResponse(c, status as ContentfulStatusCode, 'bad_request', err.message || 'bad request');
    }
    logger.error({ err, method: c.req.method, path: c.req.path }, 'unhandled error');
    return errorResponse(c, 500, 'internal_error', 'internal error');
  };
}

/** `app.notFound` handler in the shared shape. */
export function notFoundHandler(c: Context): Response {
  return errorResponse(c, 404, 'not_found', `no route for ${c.req.method} ${c.req.path}`);
}

/**
 * Adds a 405 answer (with `Allow`) for every path that has routes but not for the method asked.
 * Call it after all routes are registered: Hono tries routes in order, so these match last.
 */
export function addMethodNotAllowed<E extends Env>(app: Hono<E>): void {
  const methods = new Map<string, Set<string>>();
  for (const r of app.routes) {
    if (r.method === 'ALL') continue;
    const set = methods.get(r.path) ?? new Set<string>();
    set.add(r.method);
    if (r.method === 'GET') set.add('HEAD');
    methods.set(r.path, set);
  }
  // Hono tries these in registration order: static paths first, so `/dead-letters/purge` is not
  // answered by `/dead-letters/:id`'s 405 (with the wrong Allow).
  const params = (path: string) => path.split('/').filter((s) => s.startsWith(':') || s === '*').length;
  const ordered = [...methods].sort(([a], [b]) => params(a) - params(b));
  for (const [path, allowed] of ordered) {
    if (path === '*' || path === '/*') continue;
    const allow = [...allowed].sort().join(', ');
    app.all(path, (c) => {
      const err = methodNotAllowed(c.req.method, path, allow);
      return errorResponse(c, err.status, err.code, err.message, undefined, err.headers);
    });
  }
}

/** 405 `method_not_allowed` with `Allow` listing what the path takes. */
export function methodNotAllowed(method: string, path: string, allow: string): ApiError {
  return new ApiError(
    405,
    'method_not_allowed',
    `${method} is not allowed on ${path}; allowed: ${allow}`,
    undefined,
    {
      Allow: allow,
    },
  );
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Constant-time string equality (hashes first, so lengths do not leak either). */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/**
 * Requires `X-API-Key` to equal one of `keys` (constant-time). `open` lists paths that need no
 * key (exact match, or a prefix ending in `*`).
 */
export function apiKeyAuth(options: {
  keys: readonly string[];
  open?: readonly string[];
}): MiddlewareHandler {
  const open = options.open ?? [];
  const isOpen = (path: string) =>
    open.some((p) => (p.endsWith('*') ? path.startsWith(p.slice(0, -1)) : path === p));
  return async (c, next) => {
    if (isOpen(c.req.path)) return next();
    const given = c.req.header('x-api-key');
    if (!given) {
      return errorResponse(c, 401, 'unauthorized', 'this route needs an X-API-Key header', undefined, {
        'WWW-Authenticate': 'ApiKey header="X-API-Key"',
      });
    }
    let match = false;
    for (const key of options.keys) match = safeEqual(given, key) || match;
    if (!match) return errorResponse(c, 401, 'unauthorized', 'the X-API-Key is not valid');
    return next();
  };
}
