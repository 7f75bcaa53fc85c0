import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: keep files in few workers; each file starts its own dynalite on port 0.
    pool: 'forks',
    maxWorkers: 2,
  },
});
