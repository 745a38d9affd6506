import { Hono } from 'hono';
import { addMethodNotAllowed, errorHandler, notFoundHandler, type Logger } from '@hookpipe/lib';

export interface AppDeps {
  logger: Logger;
}

/** Builds the sender's HTTP app; never listens (see index.ts). */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.get('/ping', (c) => c.json({ message: 'pong', service: 'sender' }));
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.notFound(notFoundHandler);
  app.onError(errorHandler(deps.logger));
  addMethodNotAllowed(app);
  return app;
}
