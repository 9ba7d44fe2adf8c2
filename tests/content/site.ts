// The built course for the lessons' browser tests: a private copy of dist/, served as `npm start` serves it (static
// files, isolation headers, the local bridge). Other test runs rebuild dist/ whenever a source changed, which empties
// it for a while; the copy is taken under the build's own lock (scripts/build-site.mjs), so it is never half-built.
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveCourse, type CourseServer } from '../../src/runtime/local/server.ts';
import { freePort } from '../support/ports';
import { projectRoot } from '../support/site';
// @ts-expect-error: a plain ES module script without type declarations
import { ensureSiteBuilt } from '../../scripts/build-site.mjs';

const LOCK = join(projectRoot, 'node_modules', '.course-build.lock');

async function lock(): Promise<void> {
  for (;;) {
    try {
      mkdirSync(LOCK);
      return;
    } catch {
      // As scripts/build-site.mjs: a lock older than 5 minutes was left by a crashed build.
      if (existsSync(LOCK) && Date.now() - statSync(LOCK).mtimeMs > 300_000)
        rmSync(LOCK, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/** Serves a fresh copy of the built site (built first if stale); closing the server removes the copy. */
export async function serveCopyOfBuiltSite(): Promise<CourseServer> {
  await ensureSiteBuilt({ log: () => {} });
  await lock();
  const copy = mkdtempSync(join(tmpdir(), 'lessons-site-'));
  try {
    cpSync(join(projectRoot, 'dist'), join(copy, 'dist'), { recursive: true });
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
  // The sandbox programs themselves are the project's current bundles.
  mkdirSync(join(copy, 'sandboxes'));
  symlinkSync(join(projectRoot, 'sandboxes', 'dist'), join(copy, 'sandboxes', 'dist'));
  const server = await serveCourse({ root: copy, port: await freePort() });
  return {
    ...server,
    close: async () => {
      await server.close();
      rmSync(copy, { recursive: true, force: true });
    },
  };
}
