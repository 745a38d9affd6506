#!/usr/bin/env node
/**
 * One-shot initialisation of a hookpipe deployment (compose's `init` job): waits for PostgreSQL
 * and Kafka, creates the receiver's and the sender's databases when missing, applies both
 * migration sets and creates the contract's topics with explicit partition counts. Idempotent:
 * running it again changes nothing. Exits 0 when everything is in place, 1 otherwise.
 *
 *   node lib/dist/init-cli.js
 *
 * Env: KAFKA_BROKERS, DATABASE_URL, SENDER_DATABASE_URL, KAFKA_PARTITIONS_EVENTS / _RETRY / _DLQ,
 * KAFKA_REPLICATION_FACTOR (1; 3 on a 3-broker cluster), KAFKA_MIN_INSYNC_REPLICAS (1; 2 with 3 copies),
 * RECEIVER_MIGRATIONS_DIR, SENDER_MIGRATIONS_DIR (default: the checkout's or image's
 * consumer/migrations and sender/migrations), INIT_TIMEOUT_MS, LOG_LEVEL.
 */
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { z } from 'zod';
import { ConfigError, env, loadConfig } from './config.js';
import { migrate, waitForDatabase } from './db.js';
import { DEFAULT_PARTITIONS, makeKafka, ensureTopics, replicationFor } from './kafka/client.js';
import { makeLogger, type Logger } from './logger.js';

const root = (relative: string) => fileURLToPath(new URL(`../../${relative}`, import.meta.url));

const schema = z.object({
  LOG_LEVEL: env.logLevel(),
  KAFKA_BROKERS: env.list().refine((l) => l.length > 0, 'needs at least one broker'),
  DATABASE_URL: z.string({ message: 'required: the receiver database URL' }).min(1),
  SENDER_DATABASE_URL: z.string({ message: 'required: the sender database URL' }).min(1),
  KAFKA_PARTITIONS_EVENTS: env.int(DEFAULT_PARTITIONS.events, 1, 10_000),
  KAFKA_PARTITIONS_RETRY: env.int(DEFAULT_PARTITIONS.retry, 1, 10_000),
  KAFKA_PARTITIONS_DLQ: env.int(DEFAULT_PARTITIONS.dlq, 1, 10_000),
  KAFKA_REPLICATION_FACTOR: env.int(1, 1, 9),
  KAFKA_MIN_INSYNC_REPLICAS: z.coerce.number().int().min(1).max(9).optional(),
  RECEIVER_MIGRATIONS_DIR: z.string().default(root('consumer/migrations')),
  SENDER_MIGRATIONS_DIR: z.string().default(root('sender/migrations')),
  INIT_TIMEOUT_MS: env.int(120_000, 1000, 3_600_000),
});

type InitConfig = z.infer<typeof schema>;

/** Creates the URL's database through the server's `postgres` database when it does not exist. */
async function ensureDatabase(url: string, timeoutMs: number, logger: Logger): Promise<void> {
  const admin = new URL(url);
  const name = decodeURIComponent(admin.pathname.slice(1));
  admin.pathname = '/postgres';
  await waitForDatabase(admin.toString(), timeoutMs);
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      logger.info({ database: name }, 'database created');
    }
  } finally {
    await client.end();
  }
}

/** Retries `ensureTopics` until the broker answers or the deadline passes. */
async function createTopics(config: InitConfig, logger: Logger): Promise<void> {
  const kafka = makeKafka({ clientId: 'hookpipe-init', brokers: config.KAFKA_BROKERS, logger });
  const deadline = Date.now() + config.INIT_TIMEOUT_MS;
  const partitions = {
    events: config.KAFKA_PARTITIONS_EVENTS,
    retry: config.KAFKA_PARTITIONS_RETRY,
    dlq: config.KAFKA_PARTITIONS_DLQ,
  };
  for (;;) {
    try {
      const factor = config.KAFKA_REPLICATION_FACTOR;
      const minInsync = config.KAFKA_MIN_INSYNC_REPLICAS ?? replicationFor(factor).minInsync;
      const created = await ensureTopics(kafka, partitions, { factor, minInsync });
      logger.info({ created, partitions }, created.length ? 'topics created' : 'topics already exist');
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      logger.warn({ err }, 'Kafka not ready yet, retrying');
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

async function main(): Promise<void> {
  const config = loadConfig(schema, process.env, 'init');
  const logger = makeLogger('init', { level: config.LOG_LEVEL });
  for (const url of [config.DATABASE_URL, config.SENDER_DATABASE_URL])
    await ensureDatabase(url, config.INIT_TIMEOUT_MS, logger);
  const receiver = await migrate(config.DATABASE_URL, config.RECEIVER_MIGRATIONS_DIR, logger);
  const sender = await migrate(config.SENDER_DATABASE_URL, config.SENDER_MIGRATIONS_DIR, logger);
  logger.info({ receiver: receiver.applied, sender: sender.applied }, 'migrations applied');
  await createTopics(config, logger);
  logger.info('hookpipe is initialised');
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    const logger = makeLogger('init');
    if (err instanceof ConfigError) logger.fatal(err.message);
    else logger.fatal({ err }, 'initialisation failed');
    process.exit(1);
  },
);
