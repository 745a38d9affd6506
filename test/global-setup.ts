import path from 'node:path';
import {
  collectStackSecrets,
  down,
  formatLeaks,
  logOffsets,
  scanForSecrets,
  stackEnv,
  stackLogFiles,
  up,
  type KnownSecret,
} from '@hookpipe/stack';
import { openLocalStack, testEnvKind } from './env.js';
import { recordFailures } from './support/failures-reporter.js';

/**
 * Brings the real stack up once for all integration suites and down at the end (even when tests
 * fail). `KEEP_STACK=1` leaves it running for a faster next run; `up` reuses healthy parts.
 * At the end, every log the stack wrote during the run (services, nginx, Kafka, PostgreSQL) is
 * scanned for every secret and API key the run used and for anything shaped like a secret or a
 * signature: a hit fails the run.
 */
export default async function setup(): Promise<() => Promise<void>> {
  if (testEnvKind() === 'containers') {
    const { setupContainers } = await import('./containers/environment.js');
    return setupContainers((m) => console.log(`[containers] ${m}`));
  }
  const ctx = openLocalStack((m) => console.log(`[stack] ${m}`));
  const logsDir = path.join(ctx.dir, 'logs');
  const before = logOffsets(stackLogFiles(logsDir));
  try {
    await up(ctx);
  } catch (err) {
    await down(ctx).catch(() => undefined);
    throw err;
  }
  return async () => {
    const secrets = await runSecrets(ctx);
    if (process.env.KEEP_STACK !== '1') await down(openLocalStack((m) => console.log(`[stack] ${m}`)));
    const leaks = scanForSecrets(stackLogFiles(logsDir), secrets, before);
    if (leaks.length > 0) {
      // Named with the failed tests, so the run's last lines say it; the error is printed by vitest,
      // which still exits 0 after a teardown error: the exit code is set too.
      recordFailures([
        `FAILED the scan of the stack's logs — secrets or signatures found: ${leaks.length}`,
        formatLeaks(leaks.slice(0, 10)),
      ]);
      process.exitCode = 1;
      throw new Error(
        `secrets or signatures in the stack's logs (${leaks.length}):\n${formatLeaks(leaks.slice(0, 50))}`,
      );
    }
    console.log(`[stack] logs scanned for ${secrets.length} secrets and keys: none found`);
  };
}

async function runSecrets(ctx: ReturnType<typeof openLocalStack>): Promise<KnownSecret[]> {
  const env = stackEnv(ctx);
  const keys: KnownSecret[] = [
    { label: 'SENDER_API_KEY', value: env.SENDER_API_KEY ?? '' },
    { label: 'RECEIVER_API_KEY', value: env.RECEIVER_API_KEY ?? '' },
    { label: 'RECEIVER_SECRET', value: env.RECEIVER_SECRET ?? '' },
  ];
  try {
    return await collectStackSecrets(
      { databaseUrl: env.DATABASE_URL!, senderDatabaseUrl: env.SENDER_DATABASE_URL! },
      keys,
    );
  } catch (err) {
    // A database a suite left stopped: the keys and the shapes are still checked.
    console.log(`[stack] could not read the secrets from the databases: ${(err as Error).message}`);
    return keys;
  }
}
