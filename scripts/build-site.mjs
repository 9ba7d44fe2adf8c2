// Builds the course site (and the sandbox bundles, see src/integrations/sandboxes.ts) into dist/ when dist/ is
// missing or older than any of its sources. Used by `npm start` and by the tests that serve the built site.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { stripVTControlCharacters } from 'node:util';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** What the built site is made of: a change in any of these means the build is stale. */
const SOURCES = ['astro.config.mjs', 'package.json', 'content', 'src', 'public', 'sandboxes'];
/** Written last by the build (the sandboxes integration), so its time is the build's. */
const BUILT = join(root, 'dist', 'sandbox', 'bin', 'programs.json');
const LOCK = join(root, 'node_modules', '.course-build.lock');
/**
 * The whole output of the last build that ran through here. Its progress (every page, every bundle) is not shown:
 * `npm start` prints only the lines that need attention, and tests/site/build-log.test.ts fails on any.
 */
export const BUILD_LOG = join(root, 'node_modules', '.cache', 'course-build.log');

/** A build's lines that need attention: Astro's and Vite's warnings and errors, Rolldown's `(!)` notes, Node's. */
export function attentionLines(output) {
  return stripVTControlCharacters(output)
    .split('\n')
    .filter((line) => /\[(WARN|ERROR)\]|^\s*\(!\)|warn(ing)?\b|\berror\b/i.test(line))
    .map((line) => line.trim());
}

function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(
    0,
    ...readdirSync(path)
      .filter((name) => name !== 'dist')
      .map((name) => newest(join(path, name))),
  );
}

/** Why the site must be built, or '' when dist/ is up to date (and, `withLog`, its build's output is in BUILD_LOG). */
export function buildNeeded({ withLog = false } = {}) {
  if (!existsSync(BUILT)) return 'no build yet';
  const builtAt = statSync(BUILT).mtimeMs;
  const changed = SOURCES.find((source) => newest(join(root, source)) > builtAt);
  if (changed) return `${changed} changed since the last build`;
  if (withLog && !(existsSync(BUILD_LOG) && statSync(BUILD_LOG).mtimeMs >= builtAt))
    return 'the last build was run without keeping its output';
  return '';
}

/** Runs `astro build`, passing each line that needs attention to `log` as it comes; resolves to its code and output. */
function astroBuild(log) {
  const astro = join(root, 'node_modules', 'astro', 'bin', 'astro.mjs');
  // A production build whoever asks. Vitest puts NODE_ENV=test and its import.meta.env values (DEV=1, MODE=test,
  // ...) in process.env; a build inheriting them has import.meta.env.DEV true, and Starlight then renders its
  // "search works only in production builds" notice instead of the search.
  const { NODE_ENV, DEV, PROD, MODE, SSR, BASE_URL, ...env } = process.env;
  const build = spawn(process.execPath, [astro, 'build'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const unfinished = new Map();
  for (const stream of [build.stdout, build.stderr]) {
    stream.setEncoding('utf8').on('data', (chunk) => {
      output += chunk;
      const lines = `${unfinished.get(stream) ?? ''}${chunk}`.split('\n');
      unfinished.set(stream, lines.pop());
      for (const line of attentionLines(lines.join('\n'))) log(line);
    });
  }
  return new Promise((resolve, reject) => {
    build.once('error', reject);
    build.once('close', (code) => {
      for (const line of attentionLines([...unfinished.values()].join('\n'))) log(line);
      // A new file, never a write into an old one: worktrees made with `cp -al` share node_modules' files.
      rmSync(BUILD_LOG, { force: true });
      mkdirSync(dirname(BUILD_LOG), { recursive: true });
      writeFileSync(BUILD_LOG, output);
      resolve({ code, output });
    });
  });
}

/**
 * Builds if needed; one build at a time when several test files ask together. Throws if the build fails.
 * With `snapshot`, also copies the built site there before anyone can rebuild it: tests serve their own copy, so a
 * rebuild started meanwhile (sources edited during a long test run) cannot pull files from under a running test.
 * With `withLog`, also rebuilds a site whose build output was not kept (built by `npm run build`), for BUILD_LOG.
 */
export async function ensureSiteBuilt({ log = console.log, snapshot = '', withLog = false } = {}) {
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // Someone else is building (or a build crashed long ago: a lock older than 5 minutes is stale).
      if (existsSync(LOCK) && Date.now() - statSync(LOCK).mtimeMs > 300_000)
        rmSync(LOCK, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  try {
    const reason = buildNeeded({ withLog });
    if (reason) {
      const started = Date.now();
      log(`Building the course (${reason})…`);
      const { code, output } = await astroBuild(log);
      if (code !== 0) {
        const tail = output.split('\n').slice(-40).join('\n');
        throw new Error(
          `the site build (astro build) failed with exit code ${code}:\n${tail}\nThe whole output is in ${BUILD_LOG}`,
        );
      }
      log(`Built in ${Math.round((Date.now() - started) / 1000)} s.`);
    }
    if (snapshot) cpSync(join(root, 'dist'), snapshot, { recursive: true });
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
