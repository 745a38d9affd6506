import { z } from 'zod';
import { DEFAULT_TOLERANCE_SECONDS, env, loadConfig } from '@hookpipe/lib';

/** Every variable is documented in docs/handler.md; keep the two in step. */
const schema = z
  .object({
    HOST: z.string().default('127.0.0.1'),
    HANDLER_PORT: env.port(8090),
    HANDLER_ID: z.string().min(1).max(64).default('handler'),
    LOG_LEVEL: env.logLevel(),
    // One line per accepted event at info (off: at debug), so an event can be followed by its id.
    LOG_EVENTS: env.flag(false),
    KAFKA_BROKERS: env.list(['127.0.0.1:9092']).refine((l) => l.length > 0, 'needs at least one broker'),
    // kafkajs 2.2.4's 1-ms timer loop per idle connection, removed (lib/src/kafka/idle-loop.ts).
    KAFKAJS_IDLE_LOOP_FIX: env.flag(true),
    DATABASE_URL: z.string().min(1, 'the receiver database URL (for the keyring) is required'),

    // Requests.
    HANDLER_MAX_BODY_BYTES: env.int(256 * 1024, 1, 16 * 1024 * 1024),
    HANDLER_TOLERANCE_SECONDS: env.int(DEFAULT_TOLERANCE_SECONDS, 1, 24 * 3600),
    HANDLER_LEGACY_SIGNATURES: env.flag(false),
    HANDLER_RETRY_AFTER_SECONDS: env.int(2, 1, 300),

    // Per-customer token bucket; the rates are for the whole tier, each replica takes 1/HANDLER_REPLICAS.
    HANDLER_CUSTOMER_RATE: env.number(500, 0),
    HANDLER_CUSTOMER_BURST: env.number(1000, 0),
    HANDLER_REPLICAS: env.int(3, 1, 1000),

    // Kafka producer and micro-batcher.
    HANDLER_LINGER_MS: env.int(2, 0, 1000),
    HANDLER_BATCH_MAX_ITEMS: env.int(500, 1, 10_000),
    HANDLER_BATCH_MAX_BYTES: env.int(900_000, 1024, 64 * 1024 * 1024),
    HANDLER_QUEUE_MAX_ITEMS: env.int(5000, 1, 1_000_000),
    HANDLER_QUEUE_MAX_BYTES: env.int(64 * 1024 * 1024, 1024, 4 * 1024 * 1024 * 1024),
    HANDLER_PRODUCE_TIMEOUT_MS: env.int(3000, 100, 60_000),
    HANDLER_KAFKA_RETRIES: env.int(3, 1, 100),

    // Keyring.
    HANDLER_KEYRING_RELOAD_MS: env.int(1000, 100, 60_000),
    // A whole-table load now and then, besides the incremental ones (a safety net).
    HANDLER_KEYRING_FULL_RELOAD_MS: env.int(300_000, 1000, 86_400_000),

    // Shutdown.
    HANDLER_SHUTDOWN_GRACE_MS: env.int(10_000, 0, 120_000),
  })
  .refine((c) => c.HANDLER_BATCH_MAX_BYTES >= c.HANDLER_MAX_BODY_BYTES, {
    path: ['HANDLER_BATCH_MAX_BYTES'],
    message: 'must be at least HANDLER_MAX_BODY_BYTES, or a maximal event could never be sent',
  })
  .refine((c) => c.HANDLER_QUEUE_MAX_BYTES >= c.HANDLER_MAX_BODY_BYTES, {
    path: ['HANDLER_QUEUE_MAX_BYTES'],
    message: 'must be at least HANDLER_MAX_BODY_BYTES',
  });

export type Config = z.infer<typeof schema>;

export const parseConfig = (vars: Record<string, string | undefined>): Config =>
  loadConfig(schema, vars, 'handler');
