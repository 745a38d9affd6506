import type { OpenAPIHono } from '@hono/zod-openapi';
import { systemClock, type Clock, type Logger } from '@hookpipe/lib';
import {
  finishApiApp,
  makeApiApp,
  makeKeyAuth,
  registerKeyRoutes,
  type ApiKeysStore,
} from '@hookpipe/lib/api';
import { registerDeadLetterPurgeRoutes, type DeadLetterPurge } from './api/dead-letter-purge-routes.js';
import { registerDeadLetterRoutes } from './api/dead-letter-routes.js';
import { registerEventRoutes } from './api/events-routes.js';
import { registerFaultRoutes } from './api/fault-routes.js';
import {
  registerOperationalWebhookRoutes,
  type OperationalWebhookDeps,
} from './api/operational-webhook-routes.js';
import { registerSecretRoutes } from './api/secret-routes.js';
import { registerSystemRoutes, type SystemDeps } from './api/system-routes.js';
import { DASHBOARD_OPEN_PATHS, registerDashboardRoutes, type DashboardDeps } from '@hookpipe/dashboard';
import type { Replayer } from './replay.js';
import type { DeadLettersStore } from './store/dead-letters-store.js';
import type { EventsQuery } from './store/events-query.js';
import type { FaultsStore } from './store/faults-store.js';
import type { SecretsStore } from './store/secrets-store.js';

export interface AppDeps extends SystemDeps {
  logger: Logger;
  /** Bootstrap admin keys (RECEIVER_API_KEY). */
  apiKeys: readonly string[];
  /** Keys with scopes, managed through /keys; left out, only the bootstrap keys work. */
  keys?: ApiKeysStore;
  clock?: Clock;
  events: EventsQuery;
  deadLetters: DeadLettersStore;
  secrets: SecretsStore;
  faults: FaultsStore;
  replay: Replayer;
  replayMax: number;
  /** The live dashboard (docs/dashboard.md); left out, there is no /dashboard. */
  dashboard?: DashboardDeps;
  deadLetterPurge: DeadLetterPurge;
  /** Operational webhooks (docs/receiver-operational-webhooks.md); left out, there is no /operational-webhooks. */
  operationalWebhooks?: OperationalWebhookDeps;
}

/** The receiver API's scopes (docs/consumer.md, "API keys"); `admin` grants all. */
export const RECEIVER_SCOPES = [
  'events:read',
  'dead-letters:write',
  'secrets:write',
  'faults:write',
  'admin',
] as const;

/** Paths anyone may call; everything else needs `X-API-Key`. */
export const OPEN_PATHS = ['/ping', '/healthz', '/readyz', '/metrics', '/openapi.json', '/docs'] as const;

/** Builds the consumer's HTTP app (the receiver API); never listens (see index.ts). */
export function makeApp(deps: AppDeps): OpenAPIHono {
  const app = makeApiApp();
  const open = deps.dashboard ? [...OPEN_PATHS, ...DASHBOARD_OPEN_PATHS] : OPEN_PATHS;
  const auth = makeKeyAuth({
    bootstrapKeys: deps.apiKeys,
    ...(deps.keys ? { store: deps.keys } : {}),
    open,
    clock: deps.clock ?? systemClock,
    logger: deps.logger,
  });
  app.use('*', auth.middleware);

  registerSystemRoutes(app, deps);
  registerEventRoutes(app, deps);
  registerDeadLetterRoutes(app, deps);
  registerDeadLetterPurgeRoutes(app, deps);
  registerSecretRoutes(app, deps);
  registerFaultRoutes(app, deps);
  if (deps.operationalWebhooks) registerOperationalWebhookRoutes(app, deps.operationalWebhooks);
  if (deps.keys) registerKeyRoutes(app, { store: deps.keys, auth, scopes: RECEIVER_SCOPES });
  if (deps.dashboard) registerDashboardRoutes(app, deps.dashboard);

  finishApiApp(
    app,
    {
      title: 'hookpipe receiver API (consumer)',
      version: '0.1.0',
      description:
        'Persisted events, dead letters and replay, receiver secrets and their signature schemes, receiver fault ' +
        'profiles, statistics, API keys with scopes, operational webhooks about the receiver itself.',
    },
    deps.logger,
  );
  return app;
}
