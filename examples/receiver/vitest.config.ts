import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Starting hookpipe's containers and the receiver's PostgreSQL takes a while on a small machine.
    hookTimeout: 240_000,
    testTimeout: 120_000,
  },
});
