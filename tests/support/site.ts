// The built course served as `npm start` serves it (static files, isolation headers, the local bridge), on a free
// port, for the site, bridge and browser tests. Builds dist/ first when it is missing or stale, and serves a private
// copy of it, so that a rebuild during the run cannot change the files under a running test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error: a plain ES module script without type declarations
import { ensureSiteBuilt, root } from '../../scripts/build-site.mjs';
import { serveCourse, type CourseServer } from '../../src/runtime/local/server.ts';
import { freePort } from './ports.ts';

export const projectRoot: string = root;
/** A cold build on a busy 2-core machine. */
export const BUILD_TIMEOUT_MS = 300_000;

export interface ServedCourse extends CourseServer {
  /** The served copy of dist/. */
  dist: string;
}

export async function serveBuiltCourse(): Promise<ServedCourse> {
  const dist = join(mkdtempSync(join(tmpdir(), 'course-site-')), 'dist');
  await ensureSiteBuilt({ log: () => {}, snapshot: dist });
  const server = await serveCourse({ root, port: await freePort(), dist });
  return {
    ...server,
    dist,
    close: async () => {
      await server.close();
      rmSync(join(dist, '..'), { recursive: true, force: true });
    },
  };
}
