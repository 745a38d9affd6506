import { Hono } from 'hono';
import {
  addMethodNotAllowed,
  errorHandler,
  metricsHandler,
  notFoundHandler,
  type Logger,
  type Registry,
} from '@hookpipe/lib';
import { makeWebhookHandler, type WebhookDeps } from './webhook.js';

export interface AppDeps extends WebhookDeps {
  logger: Logger;
  handlerId: string;
  registry: Registry;
}

/** Builds the handler's HTTP app; never listens (see index.ts). */
export function makeApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.get('/ping', (c) => c.json({ message: 'pong', service: 'handler', handler_id: deps.handlerId }));
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', (c) => {
    const checks = {
      keyring: deps.keyring.isLoaded(),
      kafka: deps.kafkaReady(),
      accepting: !deps.draining(),
    };
    const ready = checks.keyring && checks.kafka && checks.accepting;
    return c.json({ status: ready ? 'ready' : 'not_ready', checks }, ready ? 200 : 503);
  });
  app.get('/metrics', metricsHandler(deps.registry));
  const webhook = makeWebhookHandler(deps);
  app.post('/webhook', webhook);
  app.post('/webhook/:customer_id', webhook);
  app.notFound(notFoundHandler);
  app.onError(errorHandler(deps.logger));
  addMethodNotAllowed(app);
  return app;
}
