import { z } from 'zod';
import { DEFAULT_ALLOWED_HOSTS, env, loadConfig, type RetryPolicy } from '@hookpipe/lib';

/**
 * Every variable is documented in docs/consumer.md; keep the two in step. The dashboard's
 * (CONSUMER_HANDLER_URLS, CONSUMER_DASHBOARD_*, …) are read by its own schema (dashboard/src/config.ts).
 */
const schema = z
  .object({
    HOST: z.string().default('127.0.0.1'),
    CONSUMER_PORT: env.port(8082),
    LOG_LEVEL: env.logLevel(),
    // One line per persisted event at info (off: at debug), so an event can be followed by its id.
    LOG_EVENTS: env.flag(false),
    KAFKA_BROKERS: env.list(['127.0.0.1:9092']).refine((l) => l.length > 0, 'needs at least one broker'),
    // kafkajs 2.2.4's 1-ms timer loop per idle connection, removed (lib/src/kafka/idle-loop.ts).
    KAFKAJS_IDLE_LOOP_FIX: env.flag(true),
    DATABASE_URL: z.string().min(1, 'the receiver database URL is required'),
    RECEIVER_API_KEY: env.list().refine((l) => l.length > 0, 'at least one API key is required'),

    // Kafka consumer.
    CONSUMER_GROUP: z.string().min(1).max(255).default('hookpipe-consumer'),
    CONSUMER_CLIENT_ID: z.string().min(1).max(255).default('hookpipe-consumer'),
    CONSUMER_PARTITIONS_CONCURRENTLY: env.int(3, 1, 64),
    CONSUMER_FETCH_MAX_WAIT_MS: env.int(100, 10, 10_000),
    CONSUMER_MAX_BYTES_PER_PARTITION: env.int(1024 * 1024, 1024, 64 * 1024 * 1024),
    // Also how long a member that died (SIGKILL) or crashed during a broker outage holds up the
    // group: its replacement joins only once this expired. 10 s, not Kafka's 45: docs/reliability.md.
    CONSUMER_SESSION_TIMEOUT_MS: env.int(10_000, 6000, 300_000),
    CONSUMER_HEARTBEAT_INTERVAL_MS: env.int(3000, 100, 60_000),

    // Processing.
    CONSUMER_INSERT_BATCH_SIZE: env.int(1000, 1, 10_000),
    CONSUMER_MAX_RETRIES: env.int(3, 0, 100),
    CONSUMER_RETRY_BASE_MS: env.int(1000, 0, 3_600_000),
    CONSUMER_RETRY_CAP_MS: env.int(60_000, 0, 24 * 3_600_000),
    CONSUMER_DB_RETRY_BASE_MS: env.int(250, 1, 60_000),
    CONSUMER_DB_RETRY_CAP_MS: env.int(5000, 1, 300_000),

    // Failure injection (the contract's `data.simulate` and random failures).
    CONSUMER_FAILURE_INJECTION: env.flag(false),
    CONSUMER_FAIL_RATE: env.number(0, 0, 1),

    // PostgreSQL.
    CONSUMER_DB_POOL_SIZE: env.int(10, 1, 200),
    CONSUMER_MIGRATE: env.flag(true),

    // Retention: persisted events and replayed dead letters older than this go; 0 = keep all.
    CONSUMER_RETENTION_HOURS: env.int(72, 0, 10 * 365 * 24),
    CONSUMER_RETENTION_INTERVAL_S: env.int(300, 10, 86_400),
    CONSUMER_RETENTION_BATCH: env.int(1000, 10, 50_000),

    // Operational webhooks (docs/receiver-operational-webhooks.md): the delivery worker. Timeout and
    // attempts default to the sender's (SENDER_DELIVERY_TIMEOUT_MS, SENDER_MAX_ATTEMPTS).
    CONSUMER_OPS_POLL_INTERVAL_MS: env.int(1000, 10, 60_000),
    CONSUMER_OPS_ATTEMPT_TIMEOUT_MS: env.int(15_000, 100, 120_000),
    CONSUMER_OPS_MAX_ATTEMPTS: env.int(10, 1, 100),
    // The hosts an operational webhook's URL may name: the sender's policy and default list
    // (SENDER_ALLOWED_HOSTS), so no API call can aim the receiver's traffic at arbitrary machines.
    CONSUMER_ALLOWED_HOSTS: env.list(DEFAULT_ALLOWED_HOSTS),

    // API.
    CONSUMER_REPLAY_MAX: env.int(500, 1, 10_000),
    CONSUMER_SHUTDOWN_GRACE_MS: env.int(10_000, 0, 120_000),
  })
  .refine((c) => c.CONSUMER_RETRY_CAP_MS >= c.CONSUMER_RETRY_BASE_MS, {
    path: ['CONSUMER_RETRY_CAP_MS'],
    message: 'must be at least CONSUMER_RETRY_BASE_MS',
  })
  .refine((c) => c.CONSUMER_DB_RETRY_CAP_MS >= c.CONSUMER_DB_RETRY_BASE_MS, {
    path: ['CONSUMER_DB_RETRY_CAP_MS'],
    message: 'must be at least CONSUMER_DB_RETRY_BASE_MS',
  })
  .refine((c) => c.CONSUMER_HEARTBEAT_INTERVAL_MS * 3 <= c.CONSUMER_SESSION_TIMEOUT_MS, {
    path: ['CONSUMER_HEARTBEAT_INTERVAL_MS'],
    message: 'must be at most a third of CONSUMER_SESSION_TIMEOUT_MS',
  });

export type Config = z.infer<typeof schema>;

export const parseConfig = (vars: Record<string, string | undefined>): Config =>
  loadConfig(schema, vars, 'consumer');

/**
 * The operational webhooks' retry schedule: the sender's default backoff (SENDER_BACKOFF_BASE_MS,
 * SENDER_BACKOFF_CAP_MS, SENDER_RETRY_AFTER_MAX_MS), with this consumer's attempt limit.
 */
export const operationalRetryPolicy = (config: Config): RetryPolicy => ({
  maxAttempts: config.CONSUMER_OPS_MAX_ATTEMPTS,
  baseMs: 1000,
  capMs: 300_000,
  retryAfterMaxMs: 3_600_000,
});
