// Builds the course site (and the sandbox bundles, see src/integrations/sandboxes.ts) into dist/ when dist/ is
// missing or older than any of its sources. Used by `npm start` and by the tests that serve the built site.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
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

/** Builds if needed; one build at a time when several test files ask together. Throws if the build fails. */
export async function ensureSiteBuilt({ log = console.log } = {}) {
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
    if (!reason) return;
    log(`Building the course (${reason})…`);
    const astro = join(root, 'node_modules', 'astro', 'bin', 'astro.mjs');
    const build = spawnSync(process.execPath, [astro, 'build'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    if (build.status !== 0) throw new Error(`the site build (astro build) failed with exit code ${build.status}; run \`npm run build\` to see why`);
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
