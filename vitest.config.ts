import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Sandbox programs are tested as the real bundles (sandboxes/dist), built once before any test runs.
    globalSetup: ['tests/support/build-sandboxes.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Suites marked concurrent (the scenario solutions: whole scenarios side by side) run at most this many at once,
    // so that on two cores each scenario's timers still fire on time.
    maxConcurrency: 3,
  },
});
