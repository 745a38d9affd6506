import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));
// Exact names: a plain '@hookpipe/lib' key would also rewrite '@hookpipe/lib/api' as a prefix.
const alias = [
  { find: /^@hookpipe\/lib$/, replacement: source('./lib/src/index.ts') },
  { find: /^@hookpipe\/lib\/api$/, replacement: source('./lib/src/api/index.ts') },
  { find: /^@hookpipe\/dashboard$/, replacement: source('./dashboard/src/index.ts') },
  { find: /^@hookpipe\/stack$/, replacement: source('./stack/src/index.ts') },
  { find: /^hookpipe$/, replacement: source('./cli/src/index.ts') },
  { find: /^hookpipe\/testing$/, replacement: source('./cli/src/testing/index.ts') },
];

export default defineConfig({
  resolve: { alias },
  test: {
    // The default output, then the failed tests again, one line each (test/support/failures-reporter.ts).
    reporters: ['default', './test/support/failures-reporter.ts'],
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: [
            '{lib,sender,handler,dashboard,consumer,stack,cli}/src/**/*.test.ts',
            'bench/lib/**/*.test.ts',
          ],
          environment: 'node',
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          // The testing kit's containers mode is a suite of `make test-containers` only.
          exclude: [
            'node_modules/**',
            ...(process.env.TEST_ENV === 'containers' ? [] : ['test/kit/containers.test.ts']),
          ],
          environment: 'node',
          globalSetup: ['test/global-setup.ts'],
          // The suites share one real stack and some of them stop parts of it: run files one at a time.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
