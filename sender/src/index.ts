import { ConfigError, createLogger, createShutdown, listen } from '@hookpipe/lib';
import { createApp } from './app.js';
import { parseConfig } from './config.js';

async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const logger = createLogger('sender', { level: config.LOG_LEVEL });
  const shutdown = createShutdown(logger);
  const app = createApp({ logger });
  const server = await listen(app, { port: config.SENDER_PORT, host: config.HOST });
  shutdown.add('http server', () => server.close());
  shutdown.installSignalHandlers();
  logger.info({ url: server.url }, 'sender listening');
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
