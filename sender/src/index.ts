import { fileURLToPath } from 'node:url';
import {
  ConfigError,
  errorMessage,
  makeHttpPost,
  makeLogger,
  makePool,
  makeShutdown,
  listen,
  migrate,
  systemClock,
  waitForDatabase,
  makeTargetPolicy,
} from '@hookpipe/lib';
import { makeApiKeysStore } from '@hookpipe/lib/api';
import { makeApp } from './app.js';
import { instanceId, parseConfig, secretKeyBytes } from './config.js';
import { makeDeliveryWorker } from './delivery/worker.js';
import { makeEmitterManager } from './emitters/manager.js';
import { makeEventCatalog } from './event-types/catalog.js';
import { catalogError, readCatalogFile } from './event-types/catalog-file.js';
import { makeLinker } from './linked/linker.js';
import { makeReceiverClient } from './linked/receiver-client.js';
import { makeSenderMetrics } from './metrics.js';
import { makeSenderRetention, retentionSettings } from './retention.js';
import { makeSecretBox } from './secrets.js';
import { makeCompletionsStore } from './store/completions-store.js';
import { makeEmitterLeasesStore } from './store/emitter-leases-store.js';
import { makeEmittersStore } from './store/emitters-store.js';
import { makeEventTypesStore } from './store/event-types-store.js';
import { makeEventsStore } from './store/events-store.js';
import { makeHistoryStore } from './store/history-store.js';
import { makeLinkedSecretsStore } from './store/linked-secrets-store.js';
import { makeOutboxStore } from './store/outbox-store.js';
import { makeWebhooksStore } from './store/webhooks-store.js';

async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const instance = instanceId(config);
  const logger = makeLogger('sender', { level: config.LOG_LEVEL }).child({ instance });
  const shutdown = makeShutdown(logger);
  const clock = systemClock;
  const dbUrl = config.SENDER_DATABASE_URL;

  if (config.SENDER_MIGRATE) {
    await waitForDatabase(dbUrl, 60_000);
    await migrate(dbUrl, fileURLToPath(new URL('../migrations', import.meta.url)), logger);
  }
  const pool = makePool({
    connectionString: dbUrl,
    max: config.SENDER_DB_POOL_MAX,
    logger,
    applicationName: 'hookpipe-sender',
  });
  shutdown.add('database pool', () => pool.end());
  const emitterRows = makeEmittersStore(pool);
  const webhooks = makeWebhooksStore(pool);
  const catalog = makeEventCatalog(makeEventTypesStore(pool));
  if (config.SENDER_EVENT_CATALOG) {
    const defs = readCatalogFile(config.SENDER_EVENT_CATALOG);
    try {
      await catalog.load(defs, clock());
    } catch (err) {
      throw catalogError(errorMessage(err));
    }
    logger.info({ eventTypes: defs.length }, 'event catalog loaded (SENDER_EVENT_CATALOG)');
  }
  const linker =
    config.SENDER_RECEIVER_API_URL && config.SENDER_RECEIVER_API_KEY && config.SENDER_LINKED_INGRESS_URLS
      ? makeLinker({
          prefixes: config.SENDER_LINKED_INGRESS_URLS,
          client: makeReceiverClient({
            url: config.SENDER_RECEIVER_API_URL,
            apiKey: config.SENDER_RECEIVER_API_KEY,
          }),
          store: makeLinkedSecretsStore(pool),
          clock,
          logger: logger.child({ component: 'linked-secrets' }),
          sweepIntervalMs: config.SENDER_LINK_SWEEP_INTERVAL_S * 1000,
          settleMs: config.SENDER_LINK_SETTLE_MS,
        })
      : null;
  if (linker) {
    linker.start();
    shutdown.add('linked secret sweep', () => linker.stop());
    logger.info(
      { receiver: config.SENDER_RECEIVER_API_URL, ingress: config.SENDER_LINKED_INGRESS_URLS },
      'linked secrets on',
    );
  }

  const metrics = makeSenderMetrics();
  const box = makeSecretBox(config.SENDER_SECRET_KEY ? secretKeyBytes(config.SENDER_SECRET_KEY) : null);
  const targets = makeTargetPolicy(config.SENDER_ALLOWED_HOSTS, 'SENDER_ALLOWED_HOSTS');
  const http = makeHttpPost({ maxSockets: config.SENDER_DELIVERY_CONCURRENCY });
  shutdown.add('outbound connections', () => http.close());
  const worker = makeDeliveryWorker(
    {
      outbox: makeOutboxStore(pool),
      completions: makeCompletionsStore(pool),
      logger: logger.child({ component: 'delivery' }),
      metrics,
      clock,
      post: http.post,
      secretBox: box,
      targets,
      policy: {
        maxAttempts: config.SENDER_MAX_ATTEMPTS,
        baseMs: config.SENDER_BACKOFF_BASE_MS,
        capMs: config.SENDER_BACKOFF_CAP_MS,
        retryAfterMaxMs: config.SENDER_RETRY_AFTER_MAX_MS,
      },
      timeoutMs: config.SENDER_DELIVERY_TIMEOUT_MS,
      staleTimestampS: config.SENDER_STALE_TIMESTAMP_S,
    },
    {
      concurrency: config.SENDER_DELIVERY_CONCURRENCY,
      claimBatch: config.SENDER_CLAIM_BATCH,
      pollIntervalMs: config.SENDER_POLL_INTERVAL_MS,
      leaseMs: config.SENDER_LEASE_MS,
      disableAfterMs: config.SENDER_DISABLE_AFTER_S === 0 ? null : config.SENDER_DISABLE_AFTER_S * 1000,
      logEvents: config.LOG_EVENTS,
    },
  );
  worker.start();
  shutdown.add('delivery worker', () => worker.stop());

  const emitters = makeEmitterManager({
    emitterRows,
    webhookOf: (id) => webhooks.get(id),
    catalog,
    logger: logger.child({ component: 'emitters' }),
    clock,
    metrics,
    notify: () => worker.notify(),
    seed: config.SENDER_FAKER_SEED,
    oversizedBytes: config.SENDER_OVERSIZED_BYTES,
    maxBacklog: config.SENDER_EMITTER_MAX_BACKLOG,
    maxRunning: config.SENDER_MAX_EMITTERS,
    owner: instance,
    leases: makeEmitterLeasesStore(pool),
    leaseMs: config.SENDER_EMITTER_LEASE_MS,
  });
  await emitters.resume();
  shutdown.add('emitters', () => emitters.close());

  const app = makeApp({
    logger,
    apiKeys: config.SENDER_API_KEY,
    keys: makeApiKeysStore(pool),
    corsOrigins: config.SENDER_CORS_ORIGINS,
    webhooks,
    events: makeEventsStore(pool),
    history: makeHistoryStore(pool),
    emitterRows,
    clock,
    box,
    targets,
    emitters,
    catalog,
    linker,
    metrics,
    notify: () => worker.notify(),
    settings: {
      webhookConcurrency: config.SENDER_WEBHOOK_CONCURRENCY,
      deliveryConcurrency: config.SENDER_DELIVERY_CONCURRENCY,
      rotationGraceS: config.SENDER_ROTATION_GRACE_S,
      maxEventBytes: config.SENDER_MAX_EVENT_BYTES,
      emitterRate: config.SENDER_EMITTER_RATE,
      emitterMaxRate: config.SENDER_EMITTER_MAX_RATE,
      emitterConcurrency: config.SENDER_EMITTER_CONCURRENCY,
      fakerSeed: config.SENDER_FAKER_SEED,
    },
  });
  if (config.SENDER_RETENTION_HOURS > 0) {
    const retention = makeSenderRetention({ pool, settings: retentionSettings(config), clock, logger });
    retention.start();
    shutdown.add('retention job', () => retention.stop());
  }
  const server = await listen(app, { port: config.SENDER_PORT, host: config.HOST });
  shutdown.add('http server', () => server.close());
  shutdown.installSignalHandlers();
  logger.info({ url: server.url }, 'sender listening');
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
