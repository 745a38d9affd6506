import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';

/** Origins allowed by default: the local stack's consumer, which serves the dashboard. */
export const DEFAULT_CORS_ORIGINS = ['http://127.0.0.1:8082', 'http://localhost:8082'];

/**
 * CORS for the listed origins only (the dashboard calls this API from the consumer's origin with
 * the sender key). A preflight from a listed origin is answered here, before the key check: the
 * browser sends it without the key. Requests without an `Origin`, or from any other origin, pass
 * through untouched, so other clients see exactly the API they saw before (an unlisted origin
 * gets no `Access-Control-Allow-Origin`, and the browser keeps the answer from the page).
 */
export function corsForOrigins(origins: readonly string[]): MiddlewareHandler {
  const allowed = new Set(origins);
  const handler = cors({
    origin: [...allowed],
    allowMethods: ['GET', 'POST', 'PATCH', 'DELETE'],
    allowHeaders: ['X-API-Key', 'Content-Type'],
    exposeHeaders: ['Retry-After', 'X-Request-Id'],
    maxAge: 600,
  });
  return async (c, next) => {
    const origin = c.req.header('origin');
    if (origin === undefined || !allowed.has(origin)) return next();
    return handler(c, next);
  };
}
