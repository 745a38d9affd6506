import { OpenAPIHono } from '@hono/zod-openapi';
import { swaggerUI } from '@hono/swagger-ui';
import {
  addMethodNotAllowed,
  apiKeyAuth,
  errorHandler,
  errorResponse,
  isTransientDbError,
  notFoundHandler,
  type Logger,
} from '@hookpipe/lib';
import { DASHBOARD_OPEN_PATHS, registerDashboardRoutes, type DashboardDeps } from '@hookpipe/dashboard';
import { commonErrors, security, validationHook } from './api/common.js';
import { registerDeadLetterPurgeRoutes, type DeadLetterPurge } from './api/dead-letter-purge-routes.js';
import { registerDeadLetterRoutes } from './api/dead-letter-routes.js';
import { registerEventRoutes } from './api/events-routes.js';
import { registerSecretRoutes } from './api/secret-routes.js';
import { registerSystemRoutes, type SystemDeps } from './api/system-routes.js';
import type { Replayer } from './replay.js';
import type { DeadLettersStore } from './store/dead-letters-store.js';
import type { EventsQuery } from './store/events-query.js';
import type { SecretsStore } from './store/secrets-store.js';

export interface AppDeps extends SystemDeps {
  logger: Logger;
  apiKeys: readonly string[];
  events: EventsQuery;
  deadLetters: DeadLettersStore;
  secrets: SecretsStore;
  replay: Replayer;
  replayMax: number;
  /** The live dashboard (docs/dashboard.md); left out, there is no /dashboard. */
  dashboard?: DashboardDeps;
  deadLetterPurge: DeadLetterPurge;
}

/** Paths anyone may call; everything else needs `X-API-Key`. */
export const OPEN_PATHS = ['/ping', '/healthz', '/readyz', '/metrics', '/openapi.json', '/docs'] as const;

/** Builds the consumer's HTTP app (the receiver API); never listens (see index.ts). */
export function makeApp(deps: AppDeps): OpenAPIHono {
  const app = new OpenAPIHono({ defaultHook: (result, c) => validationHook(result, c, result.target) });
  const open = deps.dashboard ? [...OPEN_PATHS, ...DASHBOARD_OPEN_PATHS] : OPEN_PATHS;
  app.use('*', apiKeyAuth({ keys: deps.apiKeys, open }));

  registerSystemRoutes(app, deps);
  registerEventRoutes(app, deps);
  registerDeadLetterRoutes(app, deps);
  registerDeadLetterPurgeRoutes(app, deps);
  registerSecretRoutes(app, deps);
  if (deps.dashboard)
    registerDashboardRoutes(app, deps.dashboard, { security, unauthorized: commonErrors[401] });

  app.openAPIRegistry.registerComponent('securitySchemes', 'ApiKey', {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
  });
  app.doc('/openapi.json', {
    openapi: '3.0.0',
    info: {
      title: 'hookpipe receiver API (consumer)',
      version: '0.1.0',
      description: 'Persisted events, dead letters and replay, receiver secrets, statistics.',
    },
  });
  app.get('/docs', swaggerUI({ url: '/openapi.json' }));

  app.notFound(notFoundHandler);
  const base = errorHandler(deps.logger);
  app.onError((err, c) => {
    if (isTransientDbError(err)) {
      deps.logger.warn({ err, path: c.req.path }, 'database unavailable');
      return errorResponse(
        c,
        503,
        'database_unavailable',
        'the database is unavailable; try again',
        undefined,
        {
          'Retry-After': '2',
        },
      );
    }
    // Hono's JSON validator throws these before our schemas see the body.
    const status = (err as { status?: unknown }).status;
    if (status === 415) {
      return errorResponse(
        c,
        415,
        'unsupported_media_type',
        'send the body as JSON with Content-Type: application/json',
      );
    }
    if (status === 400 && /malformed json/i.test(err.message)) {
      return errorResponse(c, 400, 'invalid_json', 'the request body is not valid JSON');
    }
    return base(err, c);
  });
  addMethodNotAllowed(app);
  return app;
}
