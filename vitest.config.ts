import { configDefaults, defineConfig } from 'vitest/config';
import { slowestFirst } from './tests/support/sequencer.ts';

/**
 * Run a second time under the local runtime's emulation of WebContainers' documented limits (no signal but SIGKILL,
 * SIGKILL only when the event loop is free, no /proc, no fdatasync, no global fetch, merged output): the lessons
 * walked in Chromium, every scenario's solutions, the panel's start, kill, freeze and chaos (what it draws is proved
 * locally only), and the pages with several sandboxes.
 * It emulates; it proves nothing about StackBlitz itself (the probe page does, on a real WebContainer).
 */
const UNDER_WEBCONTAINER_LIMITS = [
  'tests/content/walk.browser.test.ts',
  'tests/sandboxes/scenarios/solutions.test.ts',
  'tests/browser/panel.test.ts',
  'tests/browser/sandboxes-on-a-page.test.ts',
];
/**
 * Run only under those limits: the stricter of the two runs, and the slowest files of the suite. The local runtime's
 * own behaviour is covered by the bridge and panel tests, which run in both, and the programs' by the capstone's and
 * each program's own tests, which run locally.
 */
const ONLY_UNDER_LIMITS = [
  'tests/content/walk.browser.test.ts',
  'tests/browser/sandboxes-on-a-page.test.ts',
  'tests/sandboxes/scenarios/solutions.test.ts',
];
/**
 * The files that take half a minute or more (worker time, longest first, as measured on the 2-core CI machine): they
 * start first, so that at the end both workers finish short files together instead of one running a long one alone.
 */
const SLOWEST = [
  'tests/sandboxes/scenarios/solutions.test.ts',
  'tests/sandboxes/scenarios/capstone.test.ts',
  'tests/content/walk.browser.test.ts',
  'tests/sandboxes/scenarios/alert-resolves.test.ts',
  'tests/browser/panel.test.ts',
  'tests/browser/sandboxes-on-a-page.test.ts',
  'tests/sandboxes/vrrp/vrrp.test.ts',
  'tests/sandboxes/probe/probe.test.ts',
  'tests/browser/lab-layout.test.ts',
  'tests/browser/probe.test.ts',
  'tests/browser/predictions.test.ts',
  'tests/sandboxes/shell/leaks.test.ts',
  'tests/browser/views-truth.test.ts',
  'tests/sandboxes/store/scenarios.test.ts',
  'tests/sandboxes/supervisor/supervisor.test.ts',
  'tests/sandboxes/web/web.test.ts',
  'tests/sandboxes/network/firewall/scenario.test.ts',
];

export default defineConfig({
  test: {
    // Sandbox programs are tested as the real bundles (sandboxes/dist), built once before any test runs.
    globalSetup: ['tests/support/build-sandboxes.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Suites marked concurrent (the scenario solutions: whole scenarios side by side) run at most this many at once,
    // so that on two cores each scenario's timers still fire on time.
    maxConcurrency: 3,
    // Most files wait on timers and processes, not the CPU (two workers kept about 0.6 of the two cores busy): three
    // at a time on a 2-core machine (vitest's default there is one). The suite is written to pass on a loaded
    // machine, and this keeps it loaded.
    maxWorkers: 3,
    sequence: { sequencer: slowestFirst(SLOWEST) },
    projects: [
      {
        extends: true,
        test: {
          name: 'local',
          include: ['tests/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...ONLY_UNDER_LIMITS],
        },
      },
      {
        extends: true,
        test: {
          name: 'webcontainer-limits',
          include: UNDER_WEBCONTAINER_LIMITS,
          env: { SANDBOX_CONSTRAINTS: 'webcontainer' },
        },
      },
    ],
  },
});
