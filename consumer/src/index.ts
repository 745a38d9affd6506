import { fileURLToPath } from 'node:url';
import {
  ConfigError,
  TOPICS,
  makeKafka,
  makeLagReader,
  makeLogger,
  makePool,
  makeShutdown,
  delay,
  ensureTopics,
  exponentialBackoff,
  listen,
  makeHttpPost,
  makeTargetPolicy,
  migrate,
  quietKafkaLogCreator,
  systemClock,
  waitForDatabase,
} from '@hookpipe/lib';
import { makeDashboard, parseDashboardConfig } from '@hookpipe/dashboard';
import { makeApiKeysStore } from '@hookpipe/lib/api';
import { makeApp } from './app.js';
import { operationalRetryPolicy, parseConfig } from './config.js';
import { makeConsumerMetrics } from './metrics.js';
import { makeOperationalDeliveriesStore } from './ops/deliveries-store.js';
import { makeOperationalEndpointsStore } from './ops/endpoints-store.js';
import { makeOperationalWorker } from './ops/worker.js';
import { makeConsumerPipeline } from './pipeline/assemble.js';
import type { OutgoingRecord } from './pipeline/failures.js';
import { makeReplayer } from './replay.js';
import { makeConsumerRetention, retentionSettings } from './retention.js';
import { makeDeadLettersStore } from './store/dead-letters-store.js';
import { makeEventsQuery } from './store/events-query.js';
import { makeRetentionStore } from './store/retention-store.js';
import { makeFaultsStore } from './store/faults-store.js';
import { makeSecretsStore } from './store/secrets-store.js';
import { makeStatsStore } from './store/stats-store.js';

const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));

async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const dashboardConfig = parseDashboardConfig(process.env);
  const logger = makeLogger('consumer', { level: config.LOG_LEVEL });
  const shutdown = makeShutdown(logger);
  const clock = systemClock;

  if (config.CONSUMER_MIGRATE) {
    await waitForDatabase(config.DATABASE_URL, 60_000);
    await migrate(config.DATABASE_URL, MIGRATIONS_DIR, logger);
  }
  const pool = makePool({
    connectionString: config.DATABASE_URL,
    max: config.CONSUMER_DB_POOL_SIZE,
    logger,
    applicationName: 'hookpipe-consumer',
  });
  shutdown.add('database pool', () => pool.end());

  const kafka = makeKafka({
    clientId: config.CONSUMER_CLIENT_ID,
    brokers: config.KAFKA_BROKERS,
    logger,
    config: { logCreator: quietKafkaLogCreator(logger) },
    fixIdleLoop: config.KAFKAJS_IDLE_LOOP_FIX,
  });
  const metrics = makeConsumerMetrics();
  const topics = [TOPICS.events, TOPICS.retry];
  const { consumer: eventConsumer, publisher } = makeConsumerPipeline({
    kafka,
    pool,
    config,
    topics,
    clock,
    logger,
    onOutcome: (_topic, _partition, outcome) => metrics.onOutcome(outcome),
  });
  shutdown.add('kafka producer', () => publisher.stop());
  const publish = (records: readonly OutgoingRecord[]) => publisher.publish(records);
  const lag = makeLagReader({ kafka, groupId: config.CONSUMER_GROUP, topics });
  shutdown.add('kafka admin', () => lag.close());

  const stats = makeStatsStore(pool);
  const dashboard = makeDashboard({
    config: dashboardConfig,
    kafka,
    groupId: config.CONSUMER_GROUP,
    pool,
    clock,
    lag: () => lag.read(),
    counters: () => metrics.snapshot(),
    dbTotals: () => stats.totals(),
  });
  shutdown.add('dashboard kafka admin', () => dashboard.close());
  const replayer = makeReplayer({ deadLetters: makeDeadLettersStore(pool), publish, clock });
  const targets = makeTargetPolicy(config.CONSUMER_ALLOWED_HOSTS, 'CONSUMER_ALLOWED_HOSTS');
  const app = makeApp({
    logger,
    apiKeys: config.RECEIVER_API_KEY,
    events: makeEventsQuery(pool),
    deadLetters: makeDeadLettersStore(pool),
    secrets: makeSecretsStore(pool),
    faults: makeFaultsStore(pool),
    keys: makeApiKeysStore(pool),
    clock,
    replay: async (ids) => {
      const result = await replayer(ids);
      metrics.onReplayed(result.replayed.length);
      return result;
    },
    replayMax: config.CONSUMER_REPLAY_MAX,
    deadLetterPurge: makeRetentionStore(pool),
    registry: metrics.registry,
    dbTotals: () => stats.totals(),
    pingDb: () => stats.ping(),
    lag: () => lag.read(),
    consumerStatus: () => eventConsumer.status(),
    counters: () => metrics.snapshot(),
    dashboard: dashboard.deps,
    operationalWebhooks: {
      store: makeOperationalEndpointsStore(pool),
      targets,
    },
  });
  const opsHttp = makeHttpPost({ maxSockets: 8 });
  shutdown.add('operational webhook connections', () => opsHttp.close());
  const opsWorker = makeOperationalWorker(
    {
      store: makeOperationalDeliveriesStore(pool),
      logger: logger.child({ component: 'operational-webhooks' }),
      clock,
      post: opsHttp.post,
      policy: operationalRetryPolicy(config),
      timeoutMs: config.CONSUMER_OPS_ATTEMPT_TIMEOUT_MS,
      targets,
    },
    { pollIntervalMs: config.CONSUMER_OPS_POLL_INTERVAL_MS, batch: 16 },
  );
  opsWorker.start();
  shutdown.add('operational webhook worker', () => opsWorker.stop());
  if (config.CONSUMER_RETENTION_HOURS > 0) {
    const retention = makeConsumerRetention({ pool, settings: retentionSettings(config), clock, logger });
    retention.start();
    shutdown.add('retention job', () => retention.stop());
  }
  const server = await listen(app, { port: config.CONSUMER_PORT, host: config.HOST });
  shutdown.add('http server', () => server.close(config.CONSUMER_SHUTDOWN_GRACE_MS));

  // Registered last, so it stops first: no new batches, the batch in hand finishes and commits.
  const stopping = new AbortController();
  shutdown.add('kafka consumer', async () => {
    stopping.abort();
    await eventConsumer.stop();
  });
  shutdown.installSignalHandlers();
  logger.info({ url: server.url }, 'consumer listening');

  // Kafka may come up after us: keep trying rather than exit, and report not-ready meanwhile.
  for (let attempt = 0; !stopping.signal.aborted; attempt++) {
    try {
      await ensureTopics(kafka);
      await eventConsumer.start();
      logger.info({ group: config.CONSUMER_GROUP, topics }, 'consuming');
      return;
    } catch (err) {
      const waitMs = exponentialBackoff(attempt, { baseMs: 500, capMs: 10_000 });
      logger.warn({ err, waitMs }, 'could not start consuming; retrying');
      await delay(waitMs, stopping.signal);
    }
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
