import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Sandbox programs are tested as the real bundles (sandboxes/dist), built once before any test runs.
    globalSetup: ['tests/support/build-sandboxes.ts'],
    testTimeout: 30_000,
    // Process and browser tests measure real timings on a 2-core machine; one retry absorbs a late timer. A test that
    // fails twice is a real failure. (Flaky cases seen: monitor alert timing, a log line racing its event.)
    retry: 1,
    hookTimeout: 60_000,
  },
});
