import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Loopback servers and SQLite files only; no test may sleep on the wall clock.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Vitest's default is one worker fewer than the cores: a single worker on a 2-core machine,
    // where the suite then ran file after file (~345 s). Most files wait on loopback servers,
    // child processes and SQLite rather than compute, so one worker per core halves the wall
    // time (~185 s on 2 cores) without making any test slower than its timeout.
    maxWorkers: '100%',
  },
});
