/**
 * The scaled local stack of test/scale: 2 senders, 2 consumers, 3 Kafka brokers and 3 handlers,
 * beside the suites' single stack (its own STACK_DIR and ports), brought up and down by the file
 * that uses it.
 *
 * Ports: the suites' offset (TEST_STACK_PORT_OFFSET, default 10000) plus 500, which keeps every
 * scaled port clear of the single stack's; its PostgreSQL listens one above the single stack's.
 */
import {
  down,
  openContext,
  stackEnv,
  startPart,
  stopPart,
  up,
  type PartName,
  type StackContext,
} from '@hookpipe/stack';
import type { TestEnv } from '../env.js';

/** Settings the scaled stack's services get: short leases and sessions keep the faults short. */
export const SCALED_SERVICE_ENV = {
  // An emitter of a dead sender moves within ~3 s (+ a renewal round).
  SENDER_EMITTER_LEASE_MS: '3000',
  // A killed sender's claimed deliveries are due again after 20 s (the least: timeout + 5 s).
  SENDER_LEASE_MS: '20000',
  // A killed consumer's partitions move after 10 s.
  CONSUMER_SESSION_TIMEOUT_MS: '10000',
};

export function scaledStackOptions(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const offset = Number(env.TEST_STACK_PORT_OFFSET ?? 10000) + 500;
  const pg = Number(env.PG_PORT ?? 55432) - 500 + 1;
  return {
    ...env,
    ...SCALED_SERVICE_ENV,
    STACK_DIR: env.TEST_SCALE_STACK_DIR ?? `${env.TEST_STACK_DIR ?? '.stack-test'}-scale`,
    STACK_PORT_OFFSET: String(offset),
    PG_PORT: String(pg),
    STACK_SENDERS: '2',
    STACK_CONSUMERS: '2',
    STACK_KAFKA_BROKERS: '3',
    HANDLER_REPLICAS: '3',
  };
}

export function openScaledStack(log: (m: string) => void = () => undefined): StackContext {
  return openContext({ env: scaledStackOptions(), log });
}

/** The scaled stack as a TestEnv: the first sender and consumer by default, `via` picks others. */
export interface ScaledEnv extends TestEnv {
  senderUrls: string[];
  consumerUrls: string[];
  /** The same stack, with API calls going to this sender (when the first one is down). */
  via(senderUrl: string): ScaledEnv;
}

export function scaledEnv(ctx: StackContext): ScaledEnv {
  const e = stackEnv(ctx);
  const base: ScaledEnv = {
    kind: 'local',
    senderUrl: e.SENDER_URL!,
    ingressUrl: e.INGRESS_URL!,
    consumerUrl: e.CONSUMER_URL!,
    senderUrls: e.SENDER_URLS!.split(' '),
    consumerUrls: e.CONSUMER_URLS!.split(' '),
    handlerUrls: e.HANDLER_URLS!.split(' '),
    kafkaBrokers: e.KAFKA_BROKERS!.split(','),
    databaseUrl: e.DATABASE_URL!,
    senderDatabaseUrl: e.SENDER_DATABASE_URL!,
    senderApiKey: e.SENDER_API_KEY!,
    receiverApiKey: e.RECEIVER_API_KEY!,
    receiverSecret: e.RECEIVER_SECRET!,
    stopPart: (part: PartName, options) => stopPart(openScaledStack(), part, options ?? {}),
    startPart: (part: PartName, options) => startPart(openScaledStack(), part, options ?? {}),
    via: (senderUrl) => ({ ...base, senderUrl }),
  };
  return base;
}

/** Brings the scaled stack up (down again if that fails). */
export async function upScaled(log: (m: string) => void): Promise<ScaledEnv> {
  const ctx = openScaledStack(log);
  try {
    await up(ctx);
  } catch (err) {
    await down(ctx).catch(() => undefined);
    throw err;
  }
  return scaledEnv(ctx);
}

export async function downScaled(log: (m: string) => void): Promise<void> {
  if (process.env.KEEP_STACK !== '1') await down(openScaledStack(log));
}
