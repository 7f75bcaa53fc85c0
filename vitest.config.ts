import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Property tests (fast-check) run from a fixed seed; FC_SEED overrides it (test/support/fast-check-seed.ts).
    setupFiles: ['test/support/fast-check-seed.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: keep files in few workers; each file starts its own dynalite on port 0.
    pool: 'forks',
    maxWorkers: 2,
    // The SDK warns once per process that releases after January 2027 need Node 22; the lockfile pins
    // today's release, and the warning only buries test output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
