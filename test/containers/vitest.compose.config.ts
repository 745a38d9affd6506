import { defineConfig } from 'vitest/config';

/**
 * Runs only the compose end-to-end check (test/containers/*.e2e.ts), outside the unit and
 * integration projects: it needs a compose project that test/containers/compose-e2e.sh brought up.
 */
export default defineConfig({
  test: {
    include: ['test/containers/**/*.e2e.ts'],
    // compose-e2e.sh prints the failed tests again as the last lines of a failed run.
    reporters: ['default', './test/support/failures-reporter.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 300_000,
  },
});
