import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSecret } from '@hookpipe/lib';
import {
  resolveInstancePorts,
  resolvePorts,
  type InstancePorts,
  type StackPorts,
  type StackScale,
} from './ports.js';

/** The repository root (stack/dist/… or stack/src/… → two levels up). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const SERVICE_PARTS = ['consumer', 'sender'] as const;
export type PartName =
  | 'postgres'
  | 'kafka'
  | 'nginx'
  | 'consumer'
  | 'sender'
  | `handler-${number}`
  | `sender-${number}`
  | `consumer-${number}`
  | `kafka-${number}`;

export interface StackState extends StackScale {
  version: 1;
  ports: StackPorts;
  /** The ports of every sender, consumer and broker (the first ones are also in `ports`). */
  instances: InstancePorts;
  senderApiKey: string;
  receiverApiKey: string;
  receiverSecret: string;
  pgPassword: string;
  kafkaClusterId?: string;
  /** Set when DATABASE_URL came from the environment: we neither start nor stop PostgreSQL. */
  externalDatabase?: { databaseUrl: string; senderDatabaseUrl: string };
  pgDataDir?: string;
  pids: Partial<Record<PartName, number>>;
  /** Env overrides a part was last started with (tests restart parts with other settings). */
  overrides: Partial<Record<PartName, Record<string, string>>>;
}

export interface StackContext {
  root: string;
  dir: string;
  cacheDir: string;
  logsDir: string;
  env: NodeJS.ProcessEnv;
  log: (message: string) => void;
  state: StackState;
  save(): void;
}

const stateFile = (dir: string) => path.join(dir, 'state.json');

/**
 * Loads (or creates) the stack's state: ports, generated keys and secrets, pids. Keys and secrets
 * are generated once and kept, so `make up` after `make down` keeps the same ones.
 */
export function openContext(options: {
  env?: NodeJS.ProcessEnv;
  dir?: string;
  log?: (message: string) => void;
}): StackContext {
  const env = options.env ?? process.env;
  const dir = path.resolve(REPO_ROOT, options.dir ?? env.STACK_DIR ?? '.stack');
  const logsDir = path.join(dir, 'logs');
  mkdirSync(logsDir, { recursive: true, mode: 0o700 });
  const scale = scaleOf(env);
  const ports = resolvePorts(env, scale.replicas);
  const instances = resolveInstancePorts(ports, scale);
  const prior = existsSync(stateFile(dir))
    ? withScaleDefaults(JSON.parse(readFileSync(stateFile(dir), 'utf8')) as StackState)
    : undefined;
  // Parts still running keep the ports and counts they were started with.
  const running = prior && Object.keys(prior.pids).length > 0 ? prior : undefined;
  const state: StackState = {
    version: 1,
    senderApiKey: env.SENDER_API_KEY ?? prior?.senderApiKey ?? `sk_${randomBytes(18).toString('base64url')}`,
    receiverApiKey:
      env.RECEIVER_API_KEY ?? prior?.receiverApiKey ?? `rk_${randomBytes(18).toString('base64url')}`,
    receiverSecret: env.RECEIVER_SECRET ?? prior?.receiverSecret ?? generateSecret(32),
    pgPassword: prior?.pgPassword ?? randomBytes(18).toString('base64url'),
    ...(prior?.kafkaClusterId ? { kafkaClusterId: prior.kafkaClusterId } : {}),
    ...(prior?.externalDatabase ? { externalDatabase: prior.externalDatabase } : {}),
    ...(prior?.pgDataDir ? { pgDataDir: prior.pgDataDir } : {}),
    ports: running?.ports ?? ports,
    instances: running?.instances ?? instances,
    replicas: running?.replicas ?? scale.replicas,
    senders: running?.senders ?? scale.senders,
    consumers: running?.consumers ?? scale.consumers,
    kafkaBrokers: running?.kafkaBrokers ?? scale.kafkaBrokers,
    pids: prior?.pids ?? {},
    overrides: prior?.overrides ?? {},
  };
  const ctx: StackContext = {
    root: REPO_ROOT,
    dir,
    cacheDir: path.resolve(REPO_ROOT, env.HOOKPIPE_CACHE_DIR ?? '.cache'),
    logsDir,
    env,
    log: options.log ?? ((m) => console.log(m)),
    state,
    save: () => writeFileSync(stateFile(dir), JSON.stringify(state, null, 2) + '\n', { mode: 0o600 }),
  };
  ctx.save();
  return ctx;
}

function count(env: NodeJS.ProcessEnv, name: string, fallback: number, allowed: number[]): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!allowed.includes(n)) {
    const range = allowed.length > 2 ? `${allowed[0]}..${allowed.at(-1)}` : allowed.join(' or ');
    throw new Error(`${name} must be ${range}, got "${raw}"`);
  }
  return n;
}

const oneToNine = [1, 2, 3, 4, 5, 6, 7, 8, 9];

/** How many of each part the environment asks for (HANDLER_REPLICAS, STACK_SENDERS, …), checked. */
export function scaleOf(env: NodeJS.ProcessEnv): StackScale {
  return {
    replicas: count(env, 'HANDLER_REPLICAS', 3, oneToNine),
    senders: count(env, 'STACK_SENDERS', 1, oneToNine),
    consumers: count(env, 'STACK_CONSUMERS', 1, oneToNine),
    // A KRaft quorum of 2 survives no loss; 3 survives one. Hence 1 or 3.
    kafkaBrokers: count(env, 'STACK_KAFKA_BROKERS', 1, [1, 3]),
  };
}

/** A state file written before the stack scaled: one sender, consumer and broker. */
function withScaleDefaults(state: StackState): StackState {
  const p = state.ports;
  return {
    ...state,
    senders: state.senders ?? 1,
    consumers: state.consumers ?? 1,
    kafkaBrokers: state.kafkaBrokers ?? 1,
    instances: state.instances ?? {
      senders: [p.sender],
      consumers: [p.consumer],
      kafkaNodes: [{ broker: p.kafka, controller: p.kafkaController }],
    },
  };
}

/** `base-1 … base-n`, or just `base` when there is one: an unscaled stack keeps its names. */
const instances = <B extends 'sender' | 'consumer' | 'kafka'>(base: B, n: number) =>
  n === 1 ? [base] : Array.from({ length: n }, (_, i) => `${base}-${i + 1}` as const);

export const handlerParts = (state: StackState): PartName[] =>
  Array.from({ length: state.replicas }, (_, i) => `handler-${i + 1}` as const);
export const senderParts = (state: StackState): PartName[] => instances('sender', state.senders);
export const consumerParts = (state: StackState): PartName[] => instances('consumer', state.consumers);
export const kafkaParts = (state: StackState): PartName[] => instances('kafka', state.kafkaBrokers);

/** What kind of part a name is, and which instance (1 for an unscaled one). */
export function partKind(part: PartName): {
  kind: 'postgres' | 'nginx' | 'kafka' | 'handler' | 'sender' | 'consumer';
  instance: number;
} {
  const m = /^(postgres|nginx|kafka|handler|sender|consumer)(?:-(\d+))?$/.exec(part);
  if (!m) throw new Error(`not a part name: ${part}`);
  return { kind: m[1] as ReturnType<typeof partKind>['kind'], instance: m[2] ? Number(m[2]) : 1 };
}
