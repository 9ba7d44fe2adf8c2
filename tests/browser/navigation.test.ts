// Moving from lesson to lesson in a real browser (Debian's Chromium) against the served course and the local runtime:
// the next lesson's scenario starts on the runtime the first lesson booted (the same bridge connection and session,
// in a fresh folder of it), Starlight's parts keep working after the client-side swap, and the sidebar shows the
// learner's progress on every page, with or without a sandbox.
import { basename, dirname, join } from 'node:path';
import type { Page, WebSocket, WebSocketRoute } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { serveBuiltCourse } from '../support/site';
import { axeViolations } from './axe';
import { chromiumPath } from './chromium';
import { courseInChromium } from './course-in-chromium';
import { sandboxProcesses, supervisors } from './processes';
import { startSandbox } from './start-sandbox';
import { diagramDrawn } from './diagram';

/** Starting a topology on a busy 2-core machine: several processes, each a Node start. */
const UP_MS = 40_000;
const TEST_MS = 120_000;

/** What the page keeps of one-server's events, and how many it had when the load was chosen. */
interface OneServerSeen {
  oneServer: { type: string; node: string; client?: string }[];
  eventsWhenChosen?: number;
}

describe.skipIf(!chromiumPath)('navigating between lessons in Chromium', () => {
  let page: Page;
  const sockets: WebSocket[] = [];
  const errors: string[] = [];

  const course = courseInChromium(serveBuiltCourse);

  // The lesson's first sandbox (second-server has two; the page starts one at a time).
  const viewsReady = async (p: Page) => {
    await startSandbox(p.locator('[data-sandbox]').first());
    await expect
      .poll(() => p.locator('[data-sandbox]').first().getAttribute('data-views'), { timeout: UP_MS })
      .toBe('ready');
  };
  const nodeNames = (p: Page) =>
    p.locator('svg.topology [data-node]').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-node')));
  /**
   * The next page is in place: its URL, and its own sidebar marking it as the current page. The URL alone is not
   * enough: going back in history changes it before the client-side router has swapped the new page in, so the old
   * page's sandbox could still be found (and, on a loaded machine, was).
   */
  const arrived = async (p: Page, path: string) => {
    await p.waitForURL((url) => url.pathname === path);
    await expect
      .poll(() => p.locator('#starlight__sidebar a[aria-current="page"]').getAttribute('href'), { timeout: UP_MS })
      .toBe(path);
  };
  const screen = async (p: Page) => {
    await p.locator('.xterm').scrollIntoViewIfNeeded();
    return p.locator('.xterm-rows').innerText();
  };

  it(
    "starts the next lesson's scenario on the runtime the first lesson booted, after stopping the first scenario",
    async () => {
      page = await course.browser.newPage();
      const supervisorSpawns: string[] = [];
      /** The processes the bridge started for this page, by pid. */
      const spawned: number[] = [];
      page.on('websocket', (socket) => {
        sockets.push(socket);
        socket.on('framesent', ({ payload }) => {
          const message = JSON.parse(String(payload)) as { type: string; program?: string; args?: string[] };
          if (message.type === 'spawn' && message.program === 'supervisor')
            supervisorSpawns.push(message.args!.join(' '));
        });
        socket.on('framereceived', ({ payload }) => {
          const reply = JSON.parse(String(payload)) as { type: string; pid?: number };
          if (reply.type === 'spawned') spawned.push(reply.pid!);
        });
      });
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(new URL('/overview/', course.server.url).href);
      await viewsReady(page);
      await expect
        .poll(() => nodeNames(page), { timeout: UP_MS })
        .toEqual(expect.arrayContaining(['lb-01', 'web-01', 'web-02']));
      expect(sockets.map((s) => new URL(s.url()).pathname)).toEqual(['/__sandbox/bridge']);
      // Every supervisor was started ahead, before its sandbox needed it, and told its scenario then.
      expect(new Set(supervisorSpawns)).toEqual(new Set(['--scenario -']));
      // The two-servers supervisors now running (other test runs may have some too); ours is among them.
      const before = new Set(
        supervisors()
          .filter((s) => s.scenario === 'two-servers')
          .map((s) => s.folder),
      );
      // The next sandbox's shells, the terminal's and the load control's, are started ahead in its folder while this
      // one runs (src/runtime/started-ahead.ts).
      const session = dirname(sandboxProcesses().find((p) => spawned.includes(p.pid))!.folder);
      const shellsAhead = () =>
        sandboxProcesses()
          .filter((p) => p.program === 'shell' && p.folder === join(session, 'sandbox-2'))
          .map((p) => p.pid);
      await expect.poll(shellsAhead, { timeout: 15_000 }).toHaveLength(2);
      const startedAhead = shellsAhead();
      await page.evaluate(() => {
        (window as unknown as { sameVisit: boolean }).sameVisit = true;
        (document.querySelector('site-search') as Element & { carried?: boolean }).carried = true;
      });

      await page.locator('.pagination-links a[rel="next"]').click();
      await arrived(page, '/second-server/');
      // The lab follows the learner: the next lesson's first sandbox starts at once, more than a screen below the top.
      const first = page.locator('[data-sandbox]').first();
      await expect.poll(() => first.getAttribute('data-state'), { timeout: UP_MS }).toBe('running');
      expect(await page.evaluate(() => scrollY)).toBe(0);
      expect((await first.boundingBox())!.y).toBeGreaterThan(2 * page.viewportSize()!.height);
      await viewsReady(page);
      await expect.poll(() => nodeNames(page), { timeout: UP_MS }).toEqual(['web-01']);
      // No page load: the same JavaScript, the same bridge connection, still open.
      expect(await page.evaluate(() => (window as unknown as { sameVisit?: boolean }).sameVisit)).toBe(true);
      // Starlight's search is the same element, carried into the new page (src/runtime/persist.ts).
      expect(
        await page.evaluate(() => (document.querySelector('site-search') as Element & { carried?: boolean }).carried),
      ).toBe(true);
      expect(sockets).toHaveLength(1);
      expect(sockets[0].isClosed()).toBe(false);
      expect(await page.locator('[data-part="steps"] li').allInnerTexts()).toEqual(
        expect.arrayContaining(['Using the local runtime started earlier in this visit (no new boot)']),
      );
      // The same session, a fresh folder of it: one-server's supervisor runs beside where two-servers' ran, which has stopped.
      const next = supervisors().find(
        (s) => s.scenario === 'one-server' && [...before].some((folder) => dirname(folder) === dirname(s.folder)),
      );
      expect(next, 'a one-server supervisor in the first lesson’s session').toBeDefined();
      expect(basename(next!.folder)).toBe('sandbox-2');
      // Started ahead, while the first lesson's sandbox ran, and told its scenario when the learner got here.
      expect(next!.ahead).toBe(true);
      // Its shells too: the ones started ahead, no new process.
      const shells = sandboxProcesses().filter((p) => p.program === 'shell' && p.folder === next!.folder);
      expect(shells.length).toBeGreaterThan(0);
      expect(startedAhead).toEqual(expect.arrayContaining(shells.map((p) => p.pid)));
      // Two-servers' has stopped; the next sandbox's supervisor waits in the next folder, told nothing yet.
      await expect
        .poll(
          () =>
            supervisors()
              .filter((s) => dirname(s.folder) === dirname(next!.folder))
              .map((s) => `${s.scenario ?? 'waiting'} in ${basename(s.folder)}`)
              .sort(),
          { timeout: 15_000 },
        )
        .toEqual(['one-server in sandbox-2', 'waiting in sandbox-3']);

      // The new lesson's terminal talks to its own shell.
      await expect.poll(() => screen(page), { timeout: 15_000 }).toContain("Type 'help'");
      await page.locator('.xterm').click();
      await page.keyboard.type('echo on the next lesson');
      await page.keyboard.press('Enter');
      await expect
        .poll(async () => (await screen(page)).split('\n'), { timeout: 10_000 })
        .toContain('on the next lesson');
      expect(errors).toEqual([]);
    },
    TEST_MS,
  );

  it(
    'keeps the theme, the sidebar, the table of contents, the quiz and search working after the swap',
    async () => {
      const theme = () => page.evaluate(() => document.documentElement.dataset.theme);
      const picker = page.getByRole('banner').getByLabel('Select theme');
      await picker.selectOption('light');
      expect(await theme()).toBe('light');
      await picker.selectOption('dark');
      expect(await theme()).toBe('dark');

      const current = page.locator('#starlight__sidebar a[aria-current="page"]');
      expect(await current.getAttribute('href')).toBe('/second-server/');
      const headings = await page.locator('main h2').allInnerTexts();
      expect(await page.locator('starlight-toc a').allInnerTexts()).toEqual(
        expect.arrayContaining(headings.slice(0, 2)),
      );

      // The lesson's quiz answers (a custom element: it starts as it appears).
      const question = page.locator('course-quiz .quiz-question').first();
      await question.getByRole('button', { name: 'Check answer' }).click();
      expect(await question.locator('[data-quiz-feedback]').innerText()).toBe('Pick one of the options first.');

      await page.getByRole('button', { name: /^Search/ }).click();
      await page.locator('site-search dialog input').fill('keepalived');
      await expect
        .poll(() => page.locator('site-search .pagefind-ui__result').count(), { timeout: 15_000 })
        .toBeGreaterThan(0);
      await page.keyboard.press('Escape');
      expect(await page.locator('site-search dialog').evaluate((d) => (d as HTMLDialogElement).open)).toBe(false);

      // Back in history is a client-side swap too: the first lesson comes back with its own scenario.
      await page.goBack();
      await arrived(page, '/overview/');
      await viewsReady(page);
      await expect
        .poll(() => nodeNames(page), { timeout: UP_MS })
        .toEqual(expect.arrayContaining(['lb-01', 'web-01', 'web-02']));
      expect(await current.getAttribute('href')).toBe('/overview/');
      expect(sockets).toHaveLength(1);
      expect(errors).toEqual([]);
    },
    TEST_MS,
  );

  it(
    'has no axe-core violations on a lesson reached by client-side navigation, with its panel running',
    async () => {
      await page.locator('.pagination-links a[rel="next"]').click();
      await arrived(page, '/second-server/');
      await viewsReady(page);
      await diagramDrawn(page);
      expect(await axeViolations(page)).toEqual([]);
      await page.close();
    },
    TEST_MS,
  );

  it(
    "opens the mobile menu, follows a lesson link in it, and opens the next page's menu too",
    async () => {
      const p = await course.browser.newPage({ viewport: { width: 390, height: 800 } });
      p.on('pageerror', (error) => errors.push(error.message));
      await p.goto(new URL('/glossary/', course.server.url).href);
      const menuOpen = () => p.locator('#starlight__sidebar').evaluate((pane) => pane.matches(':popover-open'));
      await p.locator('button[popovertarget="starlight__sidebar"]').click();
      expect(await menuOpen()).toBe(true);
      await p.locator('#starlight__sidebar a[href="/spof/"]').click();
      await arrived(p, '/spof/');
      expect(await menuOpen()).toBe(false);
      expect(await p.locator('.main-frame').getAttribute('inert')).toBeNull(); // the menu's focus trap let go
      await p.locator('button[popovertarget="starlight__sidebar"]').click();
      expect(await menuOpen()).toBe(true);
      expect(await p.locator('#starlight__sidebar a[aria-current="page"]').getAttribute('href')).toBe('/spof/');
      await p.close();
      expect(errors).toEqual([]);
    },
    TEST_MS,
  );

  it(
    'without JavaScript, the next-lesson link is an ordinary link to the next page',
    async () => {
      const context = await course.browser.newContext({ javaScriptEnabled: false });
      const p = await context.newPage();
      await p.goto(new URL('/overview/', course.server.url).href);
      await p.locator('.pagination-links a[rel="next"]').click();
      await arrived(p, '/second-server/');
      expect(await p.locator('h1').innerText()).not.toBe('');
      expect(await p.locator('#starlight__sidebar a[aria-current="page"]').getAttribute('href')).toBe(
        '/second-server/',
      );
      await context.close();
    },
    TEST_MS,
  );

  it(
    'shows saved exercise progress in the sidebar on a page without a sandbox, and after navigating on',
    async () => {
      const p = await course.browser.newPage();
      p.on('pageerror', (error) => errors.push(error.message));
      const scripts: string[] = [];
      p.on('request', (request) => request.resourceType() === 'script' && scripts.push(request.url()));
      await p.goto(new URL('/glossary/', course.server.url).href);
      await p.evaluate(() =>
        localStorage.setItem(
          'course-progress:v1',
          JSON.stringify({ 'two-servers': { page: '/overview/', total: 2, done: ['both-answer'] } }),
        ),
      );
      await p.reload();
      const badge = p.locator('#starlight__sidebar a[href="/overview/"] .lesson-progress');
      expect((await badge.innerText()).trim()).toBe('1/2');
      expect(await badge.getAttribute('aria-label')).toBe(', exercises: 1 of 2 done');
      expect(scripts.filter((url) => /xterm|mermaid|webcontainer|panel/i.test(url))).toEqual([]);

      await p.locator('#starlight__sidebar a[href="/spof/"]').click();
      await arrived(p, '/spof/');
      expect((await badge.innerText()).trim()).toBe('1/2');
      await p.close();
      expect(errors).toEqual([]);
    },
    TEST_MS,
  );

  it(
    "draws the next page's diagram after the learner left one being drawn, with no error",
    async () => {
      const p = await course.browser.newPage();
      p.on('pageerror', (error) => errors.push(error.message));
      // The overview's diagram is caught mid-drawing: mermaid has put its scratch element into the page's body and
      // waits for the flowchart's code, held back here until the learner has moved on and the body is swapped.
      let askedForFlowchart!: () => void;
      const asked = new Promise<void>((resolve) => (askedForFlowchart = resolve));
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      await p.route(/flowDiagram/, async (route) => {
        askedForFlowchart();
        await released;
        await route.continue();
      });
      await p.goto(new URL('/overview/', course.server.url).href);
      await p.locator('.expressive-code:has(pre[data-language="mermaid"])').first().scrollIntoViewIfNeeded();
      await asked;
      await p.locator('.pagination-links a[rel="next"]').click();
      await arrived(p, '/second-server/');
      release();
      await diagramDrawn(p);
      await p.close();
      expect(errors).toEqual([]);
    },
    TEST_MS,
  );

  /**
   * The bridge's connection, passed through as it is, but for one ordering that a loaded machine makes common: the
   * load's hidden shell (a 120×10 terminal) is started before one-server's supervisor has said anything. Its first
   * output is held back until that shell's spawn is answered, so a page that read the topology then sees none.
   */
  const heldUntilTheLoadShellStarts = (page: WebSocketRoute) => {
    const bridge = page.connectToServer();
    let loadShell: number | undefined;
    let held: (string | Buffer)[] | undefined = [];
    page.onMessage((message) => {
      const request = JSON.parse(String(message)) as {
        type: string;
        id: number;
        program?: string;
        terminal?: { rows: number };
      };
      if (request.type === 'spawn' && request.program === 'shell' && request.terminal?.rows === 10)
        loadShell = request.id;
      bridge.send(message);
    });
    bridge.onMessage((message) => {
      const reply = JSON.parse(String(message)) as { type: string; id: number; data?: string };
      const oneServerSays = reply.type === 'output' && reply.data?.includes('"name":"one-server"');
      if (held && reply.type === 'spawned' && reply.id === loadShell) {
        page.send(message);
        held.forEach((later) => page.send(later));
        held = undefined;
      } else if (held && (held.length || oneServerSays)) held.push(message);
      else page.send(message);
    });
  };

  it(
    "sends a load chosen the moment the next lesson's sandbox appears to that lesson's own web server",
    async () => {
      const p = await course.browser.newPage();
      p.on('pageerror', (error) => errors.push(error.message));
      await p.routeWebSocket(/\/__sandbox\/bridge/, heldUntilTheLoadShellStarts);
      await p.goto(new URL('/overview/', course.server.url).href);
      await viewsReady(p);
      // On the next lesson, the learner turns the load on as soon as its control is there: before the supervisor has
      // said which nodes the scenario has. The page's own events of that sandbox are kept to see where the load went.
      await p.evaluate(() => {
        const chosen = window as unknown as OneServerSeen;
        const seen: OneServerSeen['oneServer'] = (chosen.oneServer = []);
        addEventListener(
          'sandbox:event',
          (e) => (e.target as HTMLElement).dataset.scenario === 'one-server' && seen.push((e as CustomEvent).detail),
          true,
        );
        // The whole document: a client-side navigation swaps the body for the next page's.
        new MutationObserver((_, observer) => {
          const select = document.querySelector<HTMLSelectElement>('[data-scenario="one-server"] select.load');
          if (!select) return;
          observer.disconnect();
          chosen.eventsWhenChosen = seen.length;
          select.value = '20';
          select.dispatchEvent(new Event('change'));
        }).observe(document.documentElement, { childList: true, subtree: true });
      });
      await p.locator('.pagination-links a[rel="next"]').click();
      await arrived(p, '/second-server/');
      await startSandbox(p.locator('[data-sandbox]').first());
      const served = () =>
        p.evaluate(
          () =>
            (window as unknown as OneServerSeen).oneServer.filter(
              (e) => e.type === 'web.request' && e.node === 'web-01' && e.client?.startsWith('203.0.113.'),
            ).length,
        );
      // 20 requests/s reach one-server's web-01 from the learner's address (CLIENT), once every node is up.
      await expect.poll(served, { timeout: UP_MS }).toBeGreaterThanOrEqual(10);
      expect(await p.evaluate(() => (window as unknown as OneServerSeen).eventsWhenChosen)).toBe(0);
      expect(await p.locator('[data-scenario="one-server"] .views-status').first().innerText()).toBe(
        'Sending 20 requests/s to http://10.0.0.11/ (load -r 20).',
      );
      await p.close();
      expect(errors).toEqual([]);
    },
    TEST_MS,
  );
});
