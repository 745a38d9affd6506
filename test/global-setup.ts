import { down, up } from '@hookpipe/stack';
import { openLocalStack, testEnvKind } from './env.js';

/**
 * Brings the real stack up once for all integration suites and down at the end (even when tests
 * fail). `KEEP_STACK=1` leaves it running for a faster next run; `up` reuses healthy parts.
 */
export default async function setup(): Promise<() => Promise<void>> {
  if (testEnvKind() === 'containers') {
    const { setupContainers } = await import('./containers/environment.js');
    return setupContainers((m) => console.log(`[containers] ${m}`));
  }
  const ctx = openLocalStack((m) => console.log(`[stack] ${m}`));
  try {
    await up(ctx);
  } catch (err) {
    await down(ctx).catch(() => undefined);
    throw err;
  }
  return async () => {
    if (process.env.KEEP_STACK === '1') return;
    await down(openLocalStack((m) => console.log(`[stack] ${m}`)));
  };
}
