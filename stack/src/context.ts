import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSecret } from '@hookpipe/lib';
import { resolvePorts, type StackPorts } from './ports.js';

/** The repository root (stack/dist/… or stack/src/… → two levels up). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const SERVICE_PARTS = ['consumer', 'sender'] as const;
export type PartName = 'postgres' | 'kafka' | 'nginx' | 'consumer' | 'sender' | `handler-${number}`;

export interface StackState {
  version: 1;
  ports: StackPorts;
  replicas: number;
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
  const replicas = Number(env.HANDLER_REPLICAS ?? 3);
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 9)
    throw new Error('HANDLER_REPLICAS must be 1..9');
  const ports = resolvePorts(env, replicas);
  const prior = existsSync(stateFile(dir))
    ? (JSON.parse(readFileSync(stateFile(dir), 'utf8')) as StackState)
    : undefined;
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
    // Parts still running keep the ports they were started with.
    ports: prior && Object.keys(prior.pids).length > 0 ? prior.ports : ports,
    replicas: prior && Object.keys(prior.pids).length > 0 ? prior.replicas : replicas,
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

export const handlerParts = (state: StackState): PartName[] =>
  Array.from({ length: state.replicas }, (_, i) => `handler-${i + 1}` as const);
