// The served course and a headless Chromium, shared by the tests of one describe block.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { CourseServer } from '../../src/runtime/local/server.ts';
import { BUILD_TIMEOUT_MS } from '../support/site';
import { launchChromium } from './chromium';

/**
 * The served course and a Chromium for the tests of one describe block: started before them, closed after them.
 * `serve` is how the course is served (as `npm start` serves it, or a copy of the built site).
 */
export function courseInChromium(serve: () => Promise<CourseServer>): { readonly server: CourseServer; readonly browser: Browser } {
  let server: CourseServer | undefined;
  let chromium: Awaited<ReturnType<typeof launchChromium>> | undefined;
  beforeAll(async () => {
    server = await serve();
    chromium = await launchChromium();
  }, BUILD_TIMEOUT_MS);
  afterAll(async () => {
    await chromium?.close();
    await server?.close();
  });
  return {
    get server() {
      if (!server) throw new Error('the course is served only while the tests of its describe block run');
      return server;
    },
    get browser() {
      if (!chromium) throw new Error('Chromium runs only while the tests of its describe block run');
      return chromium.browser;
    },
  };
}
