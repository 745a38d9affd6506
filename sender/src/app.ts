import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { errorResponse, metricsHandler, type Logger } from '@hookpipe/lib';
import {
  defineRoute,
  finishApiApp,
  makeApiApp,
  makeKeyAuth,
  registerKeyRoutes,
  type ApiKeysStore,
} from '@hookpipe/lib/api';
import { corsForOrigins } from './api/cors.js';
import type { ApiDeps } from './api/deps.js';
import { addEmitterRoutes } from './api/emitter-routes.js';
import { addEventRoutes } from './api/event-routes.js';
import { addEventTypeRoutes } from './api/event-type-routes.js';
import { addOperationalRoutes } from './api/operational-routes.js';
import type { AppEnv } from './api/env.js';
import { addWebhookActivityRoutes } from './api/webhook-activity-routes.js';
import { addWebhookRoutes } from './api/webhook-routes.js';

export interface AppDeps extends ApiDeps {
  logger: Logger;
  /** Bootstrap admin keys (SENDER_API_KEY). */
  apiKeys: readonly string[];
  /** Keys with scopes, managed through /keys; left out, only the bootstrap keys work. */
  keys?: ApiKeysStore;
  /** Browser origins allowed to call the API (SENDER_CORS_ORIGINS); none when left out. */
  corsOrigins?: readonly string[];
}

/** The sender API's scopes (docs/sender.md, "API keys"); `admin` grants all. */
export const SENDER_SCOPES = [
  'webhooks:read',
  'webhooks:write',
  'emitters:write',
  'events:write',
  'admin',
] as const;

/** Paths anyone may call: liveness, readiness, metrics and the API description. */
export const OPEN_PATHS = ['/ping', '/healthz', '/readyz', '/metrics', '/openapi.json', '/docs', '/docs/*'];

/** Builds the sender's HTTP app; never listens (see index.ts). */
export function makeApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = makeApiApp<AppEnv>();
  app.use(requestId());
  app.use(async (c, next) => {
    const log = deps.logger.child({ requestId: c.var.requestId });
    c.set('log', log);
    const started = performance.now();
    await next();
    log.debug(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
      },
      'request',
    );
  });
  if (deps.corsOrigins?.length) app.use(corsForOrigins(deps.corsOrigins));
  const auth = makeKeyAuth({
    bootstrapKeys: deps.apiKeys,
    ...(deps.keys ? { store: deps.keys } : {}),
    open: OPEN_PATHS,
    clock: deps.clock,
    logger: deps.logger,
  });
  app.use(auth.middleware);
  // Room for the largest event data plus its envelope; the exact data limit is checked per route.
  const maxSize = deps.settings.maxEventBytes + 64 * 1024;
  app.use(
    bodyLimit({
      maxSize,
      onError: (c) => errorResponse(c, 413, 'payload_too_large', `the request body is over ${maxSize} bytes`),
    }),
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/ping',
      summary: 'Liveness (the seed’s route)',
      tags: ['health'],
      open: true,
      responses: {
        200: { description: 'pong', schema: z.object({ message: z.literal('pong'), service: z.string() }) },
      },
    },
    (c) => c.json({ message: 'pong' as const, service: 'sender' }, 200),
  );
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    try {
      await deps.history.ping();
      return c.json({ status: 'ready' });
    } catch {
      return errorResponse(c, 503, 'not_ready', 'the sender database does not answer');
    }
  });
  app.get('/metrics', metricsHandler(deps.metrics.registry));

  addWebhookRoutes(app, deps);
  addWebhookActivityRoutes(app, deps);
  addEventRoutes(app, deps);
  addEventTypeRoutes(app, deps);
  addEmitterRoutes(app, deps);
  addOperationalRoutes(app, deps);
  if (deps.keys) registerKeyRoutes(app, { store: deps.keys, auth, scopes: SENDER_SCOPES });

  finishApiApp(
    app,
    {
      title: 'hookpipe sender',
      version: '0.1.0',
      description:
        'Plays a webhook provider: registrations with your own secrets, an event API and an event catalog you extend ' +
        'with JSON Schemas, emitters with fault injection, and signed delivery (Standard Webhooks, GitHub or Stripe ' +
        'signatures) with retries from a durable outbox.',
    },
    deps.logger,
  );
  return app;
}
