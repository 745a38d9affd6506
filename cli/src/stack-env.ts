import { existsSync } from 'node:fs';
import path from 'node:path';
import { readEnvFile, REPO_ROOT } from '@hookpipe/stack';
import type { Endpoints } from './scenario/run.js';

/** The stack.env keys the CLI reads; the environment wins over the file. */
export const STACK_ENV_KEYS = [
  'SENDER_URL',
  'INGRESS_URL',
  'CONSUMER_URL',
  'DATABASE_URL',
  'SENDER_DATABASE_URL',
  'SENDER_API_KEY',
  'RECEIVER_API_KEY',
  'HANDLER_URLS',
  'SENDER_URLS',
  'CONSUMER_URLS',
] as const;

export type StackEnvKey = (typeof STACK_ENV_KEYS)[number];

export interface FoundStackEnv {
  values: Partial<Record<StackEnvKey, string>>;
  /** The file read, when there was one. */
  file?: string;
}

/**
 * Where a running stack is: `envFile` when given, else `$STACK_DIR/stack.env` (default `.stack`,
 * relative to the repository, as `make up` writes it); variables set in `env` win over the file,
 * so another stack can be named by environment alone.
 */
export function findStackEnv(options: { env?: NodeJS.ProcessEnv; envFile?: string } = {}): FoundStackEnv {
  const env = options.env ?? process.env;
  const file = options.envFile
    ? path.resolve(options.envFile)
    : path.resolve(REPO_ROOT, env.STACK_DIR ?? '.stack', 'stack.env');
  if (options.envFile && !existsSync(file)) throw new Error(`${file} does not exist`);
  const fromFile = existsSync(file) ? readEnvFile(file) : {};
  const values: FoundStackEnv['values'] = {};
  for (const key of STACK_ENV_KEYS) {
    const v = env[key] || fromFile[key];
    if (v) values[key] = v;
  }
  return { values, ...(existsSync(file) ? { file } : {}) };
}

/** The scenario runner's endpoints from stack.env's values, once the sender's are known. */
export function endpointsOf(
  v: FoundStackEnv['values'] & { SENDER_URL: string; SENDER_API_KEY: string },
): Endpoints {
  return {
    senderUrl: v.SENDER_URL,
    senderApiKey: v.SENDER_API_KEY,
    ...(v.INGRESS_URL ? { ingressUrl: v.INGRESS_URL } : {}),
    ...(v.CONSUMER_URL ? { consumerUrl: v.CONSUMER_URL } : {}),
    ...(v.RECEIVER_API_KEY ? { receiverApiKey: v.RECEIVER_API_KEY } : {}),
    ...(v.HANDLER_URLS ? { handlerUrls: v.HANDLER_URLS.split(/\s+/).filter(Boolean) } : {}),
    ...(v.DATABASE_URL ? { databaseUrl: v.DATABASE_URL } : {}),
    ...(v.SENDER_DATABASE_URL ? { senderDatabaseUrl: v.SENDER_DATABASE_URL } : {}),
  };
}
