import {
  ConfigError,
  TOPICS,
  makeIdempotentProducer,
  makeKafka,
  makeKafkaSink,
  makeLogger,
  makePool,
  makeRegistry,
  makeShutdown,
  listen,
  quietKafkaLogCreator,
  recordSize,
  systemClock,
} from '@hookpipe/lib';
import { makeApp } from './app.js';
import { makeBatcher } from './batcher.js';
import { parseConfig } from './config.js';
import { makeKeyring } from './keyring.js';
import { FAULTS_CHANNEL, makeAttemptRecorder, makeFaultProfiles } from './faults.js';
import { SECRETS_CHANNEL, makeSecretSource, startNotifyListener, startTableSync } from './keyring-pg.js';
import { makeHandlerMetrics } from './metrics.js';
import { makeRateLimiter } from './rate-limit.js';
import type { OutRecord } from './webhook.js';

async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const logger = makeLogger('handler', { level: config.LOG_LEVEL }).child({ handlerId: config.HANDLER_ID });
  const shutdown = makeShutdown(logger);
  const clock = systemClock;
  const registry = makeRegistry('handler', { handler_id: config.HANDLER_ID });
  const metrics = makeHandlerMetrics(registry);

  // Keyring: the receiver's secrets, in memory, kept fresh by LISTEN/NOTIFY plus polling.
  const pool = makePool({
    connectionString: config.DATABASE_URL,
    max: 4,
    logger,
    applicationName: `hookpipe-${config.HANDLER_ID}`,
    statementTimeoutMs: 5000,
  });
  shutdown.add('keyring pool', () => pool.end());
  const keyring = makeKeyring({
    ...makeSecretSource(pool),
    fullReloadMs: config.HANDLER_KEYRING_FULL_RELOAD_MS,
    logger,
    clock,
    onChange: (size) => metrics.keyringSecrets.set(size),
  });
  // Receiver-side fault profiles (docs/receiver-faults.md: an index; the details are in docs/handler.md), kept fresh the same way.
  const faultProfiles = makeFaultProfiles({ pool, logger });
  const sync = startTableSync({
    reloads: { [SECRETS_CHANNEL]: () => keyring.reload(), [FAULTS_CHANNEL]: () => faultProfiles.reload() },
    intervalMs: config.HANDLER_KEYRING_RELOAD_MS,
    listen: (hooks) =>
      startNotifyListener({
        connectionString: config.DATABASE_URL,
        channels: [SECRETS_CHANNEL, FAULTS_CHANNEL],
        logger,
        ...hooks,
      }),
  });
  shutdown.add('keyring and fault profiles sync', () => sync.stop());

  // Kafka: fail fast inside kafkajs so a dead broker turns into a quick 503, not a long wait.
  const kafka = makeKafka({
    clientId: `hookpipe-${config.HANDLER_ID}`,
    brokers: config.KAFKA_BROKERS,
    logger,
    fixIdleLoop: config.KAFKAJS_IDLE_LOOP_FIX,
    config: {
      retry: { initialRetryTime: 100, maxRetryTime: 1000, retries: 5 },
      logCreator: quietKafkaLogCreator(logger, { connectionErrorsAtDebug: true }),
    },
  });
  const sink = makeKafkaSink({
    topic: TOPICS.events,
    ackTimeoutMs: config.HANDLER_PRODUCE_TIMEOUT_MS,
    logger,
    makeProducer: () =>
      makeIdempotentProducer(kafka, {
        retries: config.HANDLER_KAFKA_RETRIES,
        initialRetryTime: 100,
        maxRetryTime: 1000,
      }),
  });
  sink.start();
  shutdown.add('kafka producer', () => sink.stop());
  const readyGauge = setInterval(() => metrics.producerReady.set(sink.isReady() ? 1 : 0), 1000);
  readyGauge.unref();

  const batcher = makeBatcher<OutRecord>({
    send: async (records) => {
      const end = metrics.produceSeconds.startTimer();
      metrics.batchSize.observe(records.length);
      try {
        await sink.send(records);
      } finally {
        end();
      }
    },
    lingerMs: config.HANDLER_LINGER_MS,
    maxItems: config.HANDLER_BATCH_MAX_ITEMS,
    maxBytes: config.HANDLER_BATCH_MAX_BYTES,
    sizeOf: recordSize,
    maxQueueItems: config.HANDLER_QUEUE_MAX_ITEMS,
    maxQueueBytes: config.HANDLER_QUEUE_MAX_BYTES,
    timeoutMs: config.HANDLER_PRODUCE_TIMEOUT_MS,
  });
  shutdown.add('flush batcher', () => batcher.close());

  let draining = false;
  const app = makeApp({
    logger,
    handlerId: config.HANDLER_ID,
    registry,
    clock,
    metrics,
    keyring,
    faults: {
      profiles: faultProfiles,
      recorder: makeAttemptRecorder({ pool, handlerId: config.HANDLER_ID }),
      clock,
    },
    limiter: makeRateLimiter({
      ratePerSecond: config.HANDLER_CUSTOMER_RATE / config.HANDLER_REPLICAS,
      burst: config.HANDLER_CUSTOMER_BURST / config.HANDLER_REPLICAS,
      clock,
    }),
    kafkaReady: sink.isReady,
    submit: (record) => batcher.submit(record),
    draining: () => draining,
    options: {
      maxBodyBytes: config.HANDLER_MAX_BODY_BYTES,
      toleranceSeconds: config.HANDLER_TOLERANCE_SECONDS,
      legacySignatures: config.HANDLER_LEGACY_SIGNATURES,
      retryAfterSeconds: config.HANDLER_RETRY_AFTER_SECONDS,
      logEvents: config.LOG_EVENTS,
    },
  });
  const server = await listen(app, { port: config.HANDLER_PORT, host: config.HOST });
  // First step on shutdown: refuse new events (503 → nginx tries another replica), then let
  // in-flight requests finish while the batcher and producer still run.
  shutdown.add('http server', async () => {
    draining = true;
    await server.close(config.HANDLER_SHUTDOWN_GRACE_MS);
  });
  shutdown.installSignalHandlers();
  logger.info(
    { url: server.url, brokers: config.KAFKA_BROKERS, legacySignatures: config.HANDLER_LEGACY_SIGNATURES },
    'handler listening',
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
