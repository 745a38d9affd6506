import type { OpenAPIHono } from '@hono/zod-openapi';
import { addMethodNotAllowed, apiKeyAuth, notFoundHandler, type Logger } from '@hookpipe/lib';
import { makeApiApp, makeApiErrorHandler, serveApiDocs } from '@hookpipe/lib/api';
import { registerDeadLetterPurgeRoutes, type DeadLetterPurge } from './api/dead-letter-purge-routes.js';
import { registerDeadLetterRoutes } from './api/dead-letter-routes.js';
import { registerEventRoutes } from './api/events-routes.js';
import { registerSecretRoutes } from './api/secret-routes.js';
import { registerSystemRoutes, type SystemDeps } from './api/system-routes.js';
import { DASHBOARD_OPEN_PATHS, registerDashboardRoutes, type DashboardDeps } from '@hookpipe/dashboard';
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
  const app = makeApiApp();
  const open = deps.dashboard ? [...OPEN_PATHS, ...DASHBOARD_OPEN_PATHS] : OPEN_PATHS;
  app.use('*', apiKeyAuth({ keys: deps.apiKeys, open }));

  registerSystemRoutes(app, deps);
  registerEventRoutes(app, deps);
  registerDeadLetterRoutes(app, deps);
  registerDeadLetterPurgeRoutes(app, deps);
  registerSecretRoutes(app, deps);
  if (deps.dashboard) registerDashboardRoutes(app, deps.dashboard);

  serveApiDocs(app, {
    title: 'hookpipe receiver API (consumer)',
    version: '0.1.0',
    description: 'Persisted events, dead letters and replay, receiver secrets, statistics.',
  });

  app.notFound(notFoundHandler);
  app.onError(makeApiErrorHandler(deps.logger));
  addMethodNotAllowed(app);
  return app;
}
