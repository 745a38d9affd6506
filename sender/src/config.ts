import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { z } from 'zod';
import { env, loadConfig, DEFAULT_ALLOWED_HOSTS } from '@hookpipe/lib';
import { DEFAULT_CORS_ORIGINS } from './api/cors.js';

const schema = z
  .object({
    HOST: z.string().default('127.0.0.1'),
    SENDER_PORT: env.port(8080),
    LOG_LEVEL: env.logLevel(),
    // 2xx attempts at info (off: at debug), so one event can be followed through the logs.
    LOG_EVENTS: env.flag(false),
    SENDER_DATABASE_URL: z.string({ message: 'required: the sender database URL' }).min(1),
    SENDER_API_KEY: z
      .string({ message: 'required: one or more API keys (comma-separated)' })
      .transform((v) => v.split(',').map((k) => k.trim()))
      .refine((keys) => keys.every((k) => k.length >= 16), 'each API key needs at least 16 characters'),
    SENDER_MIGRATE: env.flag(true),
    SENDER_DB_POOL_MAX: env.int(10, 2, 100),
    SENDER_ALLOWED_HOSTS: env.list(DEFAULT_ALLOWED_HOSTS),
    SENDER_DELIVERY_TIMEOUT_MS: env.int(15_000, 100, 120_000),
    SENDER_MAX_ATTEMPTS: env.int(10, 1, 100),
    SENDER_BACKOFF_BASE_MS: env.int(1000, 1, 3_600_000),
    SENDER_BACKOFF_CAP_MS: env.int(300_000, 1, 86_400_000),
    SENDER_RETRY_AFTER_MAX_MS: env.int(3_600_000, 0, 86_400_000),
    SENDER_DELIVERY_CONCURRENCY: env.int(256, 1, 10_000),
    SENDER_WEBHOOK_CONCURRENCY: env.int(32, 1, 10_000),
    SENDER_CLAIM_BATCH: env.int(200, 1, 5000),
    SENDER_POLL_INTERVAL_MS: env.int(200, 10, 60_000),
    SENDER_LEASE_MS: env.int(60_000, 1000, 3_600_000),
    SENDER_DISABLE_AFTER_S: env.int(3600, 0, 365 * 86_400),
    SENDER_ROTATION_GRACE_S: env.int(86_400, 0, 30 * 86_400),
    SENDER_MAX_EVENT_BYTES: env.int(256 * 1024, 1024, 10 * 1024 * 1024),
    SENDER_EMITTER_RATE: env.number(0.2, 0.001, 100_000),
    SENDER_EMITTER_MAX_RATE: env.number(5000, 0.001, 100_000),
    SENDER_EMITTER_CONCURRENCY: env.int(32, 1, 10_000),
    SENDER_MAX_EMITTERS: env.int(100, 1, 10_000),
    SENDER_EMITTER_MAX_BACKLOG: env.int(10_000, 1, 10_000_000),
    // Several senders share one database: each names itself (default hostname-pid-random) and
    // leases the emitters it runs for this long, renewing every third of it.
    SENDER_INSTANCE_ID: z
      .string()
      .regex(/^[\x21-\x7e]{1,128}$/, 'must be 1-128 printable characters without spaces')
      .optional(),
    SENDER_EMITTER_LEASE_MS: env.int(10_000, 1000, 600_000),
    SENDER_STALE_TIMESTAMP_S: env.int(3600, 301, 10 * 365 * 86_400),
    SENDER_OVERSIZED_BYTES: env.int(320 * 1024, 1024, 64 * 1024 * 1024),
    // Retention: finished deliveries (with attempts) and events older than this go; 0 = keep all.
    SENDER_RETENTION_HOURS: env.int(72, 0, 10 * 365 * 24),
    SENDER_RETENTION_INTERVAL_S: env.int(300, 10, 86_400),
    SENDER_RETENTION_BATCH: env.int(1000, 10, 50_000),
    SENDER_FAKER_SEED: z.coerce.number().int().min(0).optional(),
    // Origins whose pages may call this API from a browser (the dashboard); `none` for none.
    SENDER_CORS_ORIGINS: env
      .list(DEFAULT_CORS_ORIGINS)
      .transform((l) => (l.length === 1 && l[0] === 'none' ? [] : l))
      .refine((l) => l.every(isOrigin), 'each entry must be an origin such as http://127.0.0.1:8082'),
    // A catalog of user event types loaded at start (JSON or YAML, see event-types/catalog-file.ts).
    SENDER_EVENT_CATALOG: z.string().min(1).optional(),
    // Linked secrets: the receiver of the sender's own stack, and the URL prefixes of its ingress.
    SENDER_RECEIVER_API_URL: z
      .string()
      .refine((v) => /^https?:\/\//i.test(v) && URL.canParse(v), 'must be an absolute http(s) URL')
      .optional(),
    SENDER_RECEIVER_API_KEY: z.string().min(16, 'must have at least 16 characters').optional(),
    SENDER_LINKED_INGRESS_URLS: z
      .string()
      .transform((v) =>
        v
          .split(',')
          .map((u) => u.trim())
          .filter(Boolean),
      )
      .refine(
        (l) => l.length > 0 && l.every((u) => /^https?:\/\//i.test(u) && URL.canParse(u)),
        'must be comma-separated absolute http(s) URL prefixes',
      )
      .optional(),
    SENDER_LINK_SWEEP_INTERVAL_S: env.int(10, 1, 3600),
    // A linked install answers after this long: the receiver's handlers load a secret within 2 s.
    SENDER_LINK_SETTLE_MS: env.int(2500, 0, 60_000),
    SENDER_SECRET_KEY: z
      .string()
      .refine((v) => secretKeyBytes(v) !== null, {
        message: 'must be 32 bytes as 64 hex characters or base64',
      })
      .optional(),
  })
  .superRefine((c, ctx) => {
    if (c.SENDER_BACKOFF_CAP_MS < c.SENDER_BACKOFF_BASE_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['SENDER_BACKOFF_CAP_MS'],
        message: 'must be at least SENDER_BACKOFF_BASE_MS',
      });
    }
    // A claim must outlive the attempt it covers, or a slow attempt is claimed and sent twice.
    if (c.SENDER_LEASE_MS < c.SENDER_DELIVERY_TIMEOUT_MS + 5000) {
      ctx.addIssue({
        code: 'custom',
        path: ['SENDER_LEASE_MS'],
        message: 'must exceed SENDER_DELIVERY_TIMEOUT_MS by at least 5000 ms',
      });
    }
    // Linked secrets need all three settings, or none.
    const linked = {
      SENDER_RECEIVER_API_URL: c.SENDER_RECEIVER_API_URL,
      SENDER_RECEIVER_API_KEY: c.SENDER_RECEIVER_API_KEY,
      SENDER_LINKED_INGRESS_URLS: c.SENDER_LINKED_INGRESS_URLS,
    };
    const given = Object.entries(linked).filter(([, v]) => v !== undefined);
    if (given.length > 0 && given.length < 3) {
      for (const [name, value] of Object.entries(linked)) {
        if (value !== undefined) continue;
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `required with ${given.map(([n]) => n).join(' and ')} (linked secrets need all three)`,
        });
      }
    }
    if (c.SENDER_EMITTER_RATE > c.SENDER_EMITTER_MAX_RATE) {
      ctx.addIssue({
        code: 'custom',
        path: ['SENDER_EMITTER_RATE'],
        message: 'must not exceed SENDER_EMITTER_MAX_RATE',
      });
    }
  });

export type Config = z.infer<typeof schema>;

export const parseConfig = (vars: Record<string, string | undefined>): Config =>
  loadConfig(schema, vars, 'sender');

/** SENDER_INSTANCE_ID when set, else one unique to this process: hostname-pid-random. */
export function instanceId(config: Pick<Config, 'SENDER_INSTANCE_ID'>): string {
  return config.SENDER_INSTANCE_ID ?? `${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** Decodes SENDER_SECRET_KEY (64 hex characters, or base64 of 32 bytes); null when malformed. */
export function secretKeyBytes(value: string): Buffer | null {
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/]{43}=?$/.test(value)) {
    const key = Buffer.from(value, 'base64');
    return key.length === 32 ? key : null;
  }
  return null;
}

/** `scheme://host[:port]` and nothing more: what a browser sends as `Origin`. */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return ['http:', 'https:'].includes(url.protocol) && url.origin === value;
  } catch {
    return false;
  }
}
