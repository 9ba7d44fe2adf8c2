// The served course and a headless Chromium, shared by the tests of one describe block.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { CourseServer } from '../../src/runtime/local/server.ts';
import { constraints } from '../support/constraints';
import { BUILD_TIMEOUT_MS } from '../support/site';
import { launchChromium } from './chromium';

/**
 * Under SANDBOX_CONSTRAINTS, every page opened asks for the constrained local runtime: before the page's own scripts
 * run, `constraints=<mode>` joins its URL's query (history.replaceState: no extra navigation), so any path a test
 * opens, and every link it follows, reads it in src/runtime/select.ts.
 */
function constrained(browser: Browser): Browser {
  if (!constraints) return browser;
  const addQuery = (mode: string) => {
    const url = new URL(location.href);
    if (url.searchParams.get('constraints') === mode) return;
    url.searchParams.set('constraints', mode);
    history.replaceState(history.state, '', url);
  };
  const prepare = async <T extends BrowserContext | Page>(target: T): Promise<T> => {
    await target.addInitScript(addQuery, constraints);
    return target;
  };
  return new Proxy(browser, {
    get(target, name, receiver) {
      if (name === 'newPage')
        return async (...args: Parameters<Browser['newPage']>) => prepare(await target.newPage(...args));
      if (name === 'newContext')
        return async (...args: Parameters<Browser['newContext']>) => prepare(await target.newContext(...args));
      const value = Reflect.get(target, name, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * The served course and a Chromium for the tests of one describe block: started before them, closed after them.
 * `serve` is how the course is served (as `npm start` serves it, or a copy of the built site).
 */
export function courseInChromium(serve: () => Promise<CourseServer>): {
  readonly server: CourseServer;
  readonly browser: Browser;
} {
  let server: CourseServer | undefined;
  let chromium: Awaited<ReturnType<typeof launchChromium>> | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    server = await serve();
    chromium = await launchChromium();
    browser = constrained(chromium.browser);
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
      if (!browser) throw new Error('Chromium runs only while the tests of its describe block run');
      return browser;
    },
  };
}
