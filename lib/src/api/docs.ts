import { swaggerUI } from '@hono/swagger-ui';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Env } from 'hono';

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
