import { swaggerUI } from '@hono/swagger-ui';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Env } from 'hono';
import { addMethodNotAllowed, notFoundHandler } from '../http.js';
import type { Logger } from '../logger.js';
import { makeApiErrorHandler } from './on-error.js';

/**
 * Serves the app's OpenAPI 3.1 document at `/openapi.json` (every route registered so far and
 * later, with the `X-API-Key` scheme and the shared Error component) and Swagger UI at `/docs`.
 */
export function serveApiDocs<E extends Env>(
  app: OpenAPIHono<E>,
  info: { title: string; version: string; description: string },
): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'ApiKey', {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
  });
  app.doc31('/openapi.json', { openapi: '3.1.0', info });
  app.get('/docs', swaggerUI({ url: '/openapi.json' }));
}

/**
 * The end of every API app, after its last route: the OpenAPI document and Swagger UI
 * (`serveApiDocs`), a JSON 404 for an unknown path, 503 + `Retry-After` for a transient database
 * error (`makeApiErrorHandler`), and 405 with `Allow` for a method a path lacks.
 */
export function finishApiApp<E extends Env>(
  app: OpenAPIHono<E>,
  info: { title: string; version: string; description: string },
  logger: Logger,
): void {
  serveApiDocs(app, info);
  app.notFound(notFoundHandler);
  app.onError(makeApiErrorHandler(logger));
  addMethodNotAllowed(app);
}
