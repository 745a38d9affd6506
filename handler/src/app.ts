import { Hono } from 'hono';
import { addMethodNotAllowed, errorHandler, notFoundHandler, type Logger } from '@hookpipe/lib';

export interface AppDeps {
  logger: Logger;
}

/** Builds the handler's HTTP app; never listens (see index.ts). */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.get('/ping', (c) => c.json({ message: 'pong', service: 'handler' }));
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.notFound(notFoundHandler);
  app.onError(errorHandler(deps.logger));
  addMethodNotAllowed(app);
  return app;
}
