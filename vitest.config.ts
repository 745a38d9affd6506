import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const alias = {
  '@hookpipe/lib': fileURLToPath(new URL('./lib/src/index.ts', import.meta.url)),
  '@hookpipe/dashboard': fileURLToPath(new URL('./dashboard/src/index.ts', import.meta.url)),
  '@hookpipe/stack': fileURLToPath(new URL('./stack/src/index.ts', import.meta.url)),
};

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: ['{lib,sender,handler,dashboard,consumer,stack}/src/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
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
