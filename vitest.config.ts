import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Run a second time under the local runtime's emulation of WebContainers' documented limits (no signal but SIGKILL,
 * SIGKILL only when the event loop is free, no /proc, no fdatasync, no global fetch, merged output): the lessons
 * walked in Chromium, every scenario's solutions, the panel's chaos and freeze, and the pages with several sandboxes.
 * It emulates; it proves nothing about StackBlitz itself (the probe page does, on a real WebContainer).
 */
const UNDER_WEBCONTAINER_LIMITS = [
  'tests/content/walk.browser.test.ts',
  'tests/sandboxes/scenarios/solutions.test.ts',
  'tests/browser/panel.test.ts',
  'tests/browser/sandboxes-on-a-page.test.ts',
];
/**
 * Walked only under those limits: the stricter of the two runs, and the slowest files of the suite (the local
 * runtime's own behaviour is covered by the bridge, panel and solutions tests, which run in both).
 */
const ONLY_UNDER_LIMITS = ['tests/content/walk.browser.test.ts', 'tests/browser/sandboxes-on-a-page.test.ts'];

export default defineConfig({
  test: {
    // Sandbox programs are tested as the real bundles (sandboxes/dist), built once before any test runs.
    globalSetup: ['tests/support/build-sandboxes.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Suites marked concurrent (the scenario solutions: whole scenarios side by side) run at most this many at once,
    // so that on two cores each scenario's timers still fire on time.
    maxConcurrency: 3,
    // Most files wait on timers and processes, not the CPU: two at a time on a 2-core machine (vitest's default there
    // is one). The suite is written to pass on a loaded machine, and this keeps it loaded.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'local', include: ['tests/**/*.test.ts'], exclude: [...configDefaults.exclude, ...ONLY_UNDER_LIMITS] } },
      {
        extends: true,
        test: { name: 'webcontainer-limits', include: UNDER_WEBCONTAINER_LIMITS, env: { SANDBOX_CONSTRAINTS: 'webcontainer' } },
      },
    ],
  },
});
