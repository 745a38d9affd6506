/**
 * The environment the integration and e2e suites run against. Every suite gets it from
 * `getTestEnv()` and never cares where the parts run: the local stack (real Kafka, PostgreSQL
 * and nginx as local processes) by default, or containers (`TEST_ENV=containers`).
 */
import {
  openContext,
  startPart,
  stackEnv,
  stopPart,
  type PartName,
  type StackContext,
} from '@hookpipe/stack';
import { stackEnvFields } from './support/env-fields.js';

export type { PartName } from '@hookpipe/stack';

export interface TestEnv {
  kind: 'local' | 'containers';
  senderUrl: string;
  ingressUrl: string;
  consumerUrl: string;
  handlerUrls: string[];
  kafkaBrokers: string[];
  databaseUrl: string;
  senderDatabaseUrl: string;
  senderApiKey: string;
  receiverApiKey: string;
  receiverSecret: string;
  /** Stops a part (SIGTERM by default; `SIGKILL` to simulate a crash). */
  stopPart(part: PartName, options?: { signal?: NodeJS.Signals }): Promise<void>;
  /** Starts a part and waits until it is healthy; `env` overrides its settings until its next start. */
  startPart(part: PartName, options?: { env?: Record<string, string> }): Promise<void>;
}

export type TestEnvKind = TestEnv['kind'];

/** Which environment: `TEST_ENV` when set, else the local stack. */
export function testEnvKind(env: NodeJS.ProcessEnv = process.env): TestEnvKind {
  const kind = env.TEST_ENV ?? 'local';
  if (kind !== 'local' && kind !== 'containers')
    throw new Error(`TEST_ENV must be local or containers, got "${kind}"`);
  return kind;
}

/** The local stack the suites use: `.stack-test`, ports shifted by 10000, unless told otherwise. */
export function localStackOptions(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    ...env,
    STACK_DIR: env.TEST_STACK_DIR ?? '.stack-test',
    STACK_PORT_OFFSET: env.TEST_STACK_PORT_OFFSET ?? '10000',
  };
}

export function openLocalStack(log: (m: string) => void = () => undefined): StackContext {
  return openContext({ env: localStackOptions(), log });
}

function localEnv(): TestEnv {
  const ctx = openLocalStack();
  const e = stackEnv(ctx);
  return {
    kind: 'local',
    ...stackEnvFields(e),
    stopPart: (part, options) => stopPart(openLocalStack(), part, options ?? {}),
    startPart: (part, options) => startPart(openLocalStack(), part, options ?? {}),
  };
}

let cached: TestEnv | undefined;

export async function getTestEnv(): Promise<TestEnv> {
  if (cached) return cached;
  if (testEnvKind() === 'containers') {
    // Loaded only here: local runs never touch Testcontainers.
    const { containersEnv } = await import('./containers/environment.js');
    cached = containersEnv();
  } else {
    cached = localEnv();
  }
  return cached;
}
