import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Sandbox programs are tested as the real bundles (sandboxes/dist), built once before any test runs.
    globalSetup: ['tests/support/build-sandboxes.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
