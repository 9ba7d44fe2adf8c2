// Builds the course site (and the sandbox bundles, see src/integrations/sandboxes.ts) into dist/ when dist/ is
// missing or older than any of its sources. Used by `npm start` and by the tests that serve the built site.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** What the built site is made of: a change in any of these means the build is stale. */
const SOURCES = ['astro.config.mjs', 'package.json', 'content', 'src', 'public', 'sandboxes'];
/** Written last by the build (the sandboxes integration), so its time is the build's. */
const BUILT = join(root, 'dist', 'sandbox', 'bin', 'programs.json');
const LOCK = join(root, 'node_modules', '.course-build.lock');

function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).filter((name) => name !== 'dist').map((name) => newest(join(path, name))));
}

/** Why the site must be built, or '' when dist/ is up to date. */
export function buildNeeded() {
  if (!existsSync(BUILT)) return 'no build yet';
  const builtAt = statSync(BUILT).mtimeMs;
  const changed = SOURCES.find((source) => newest(join(root, source)) > builtAt);
  return changed ? `${changed} changed since the last build` : '';
}

/**
 * Builds if needed; one build at a time when several test files ask together. Throws if the build fails.
 * With `snapshot`, also copies the built site there before anyone can rebuild it: tests serve their own copy, so a
 * rebuild started meanwhile (sources edited during a long test run) cannot pull files from under a running test.
 */
export async function ensureSiteBuilt({ log = console.log, snapshot = '' } = {}) {
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // Someone else is building (or a build crashed long ago: a lock older than 5 minutes is stale).
      if (existsSync(LOCK) && Date.now() - statSync(LOCK).mtimeMs > 300_000) rmSync(LOCK, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  try {
    const reason = buildNeeded();
    if (reason) {
      log(`Building the course (${reason})…`);
      const astro = join(root, 'node_modules', 'astro', 'bin', 'astro.mjs');
      // Quiet when the caller does not log (tests): the build's output is shown only if it fails.
      const quiet = log !== console.log;
      // A production build whoever asks. Vitest puts NODE_ENV=test and its import.meta.env values (DEV=1, MODE=test,
      // ...) in process.env; a build inheriting them has import.meta.env.DEV true, and Starlight then renders its
      // "search works only in production builds" notice instead of the search.
      const { NODE_ENV, DEV, PROD, MODE, SSR, BASE_URL, ...env } = process.env;
      const build = spawnSync(process.execPath, [astro, 'build'], { cwd: root, env, stdio: ['ignore', quiet ? 'pipe' : 'inherit', quiet ? 'pipe' : 'inherit'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      if (build.status !== 0) {
        const output = quiet ? `\n${`${build.stdout}${build.stderr}`.split('\n').slice(-40).join('\n')}` : '';
        throw new Error(`the site build (astro build) failed with exit code ${build.status}; run \`npm run build\` to see why${output}`);
      }
    }
    if (snapshot) cpSync(join(root, 'dist'), snapshot, { recursive: true });
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
