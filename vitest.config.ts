import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Loopback servers and SQLite files only; no test may sleep on the wall clock.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
