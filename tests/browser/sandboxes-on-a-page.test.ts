// Pages with several sandboxes, in a real browser (Debian's Chromium) against the served course and the local
// runtime: only the sandbox the learner is using runs; the first starts when it scrolls into view, another on its
// button, which stops the first and says so; each runs in a folder of its own, so two sandboxes never see each
// other's nodes, traffic or files. Also: a phone waits for the button, the supervisor is stopped by its quit command
// (and killed when it does not answer), and the back/forward cache does not tear the runtime down.
import { writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { scenarios } from '../../sandboxes/scenarios/index';
import { FRONT_DOORS } from '../../sandboxes/contracts/role';
import { KILL_MS, QUIT_MS } from '../../src/runtime/stop';
import { COURSE } from '../content/course';
import { constraints } from '../support/constraints';
import { serveBuiltCourse } from '../support/site';
import { chromiumPath } from './chromium';
import { courseInChromium } from './course-in-chromium';
import { sandboxProcesses, supervisors } from './processes';

/** Starting a topology on a busy 2-core machine: several processes, each a Node start. */
const UP_MS = 60_000;
const TEST_MS = 240_000;
/** A stop: the quit command's bound, then kill()'s, with margin for a loaded machine. */
const STOP_MS = QUIT_MS + KILL_MS + 10_000;

const MULTI = COURSE.filter((lesson) => lesson.scenarios.length > 1);

describe.skipIf(!chromiumPath)('several sandboxes on one page, one at a time, in Chromium', () => {
  const course = courseInChromium(serveBuiltCourse);
  const errors: string[] = [];
  const spawnedFor = new WeakMap<Page, Set<number>>();

  async function open(
    path: string,
    options: Parameters<typeof course.browser.newPage>[0] = { viewport: { width: 1280, height: 800 } },
  ): Promise<Page> {
    const page = await course.browser.newPage(options);
    // The processes the bridge started for this page, by pid: an earlier test's page may still be stopping its own
    // supervisor of the same scenario, in a folder of the same name in another session.
    const pids = new Set<number>();
    spawnedFor.set(page, pids);
    page.on('websocket', (socket) =>
      socket.on('framereceived', ({ payload }) => {
        const reply = JSON.parse(String(payload)) as { type: string; pid?: number };
        if (reply.type === 'spawned') pids.add(reply.pid!);
      }),
    );
    // Diagrams and search are not what is tested here: leave the two CPUs to the sandboxes.
    await page.route(/mermaid|pagefind/, (route) => route.abort());
    // (Their modules failing to load, as told, is not an error of the page.)
    page.on('pageerror', (error) => /mermaid|pagefind/.test(error.message) || errors.push(error.message));
    await page.goto(new URL(path, course.server.url).href);
    return page;
  }

  const sandbox = (page: Page, i: number) => page.locator('[data-sandbox]').nth(i);
  const states = (page: Page) =>
    page.locator('[data-sandbox]').evaluateAll((all) => all.map((s) => s.getAttribute('data-state')));
  const nodeNames = (s: Locator) =>
    s.locator('svg.topology [data-node]').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-node')).sort());
  const up = async (s: Locator, scenario: string) => {
    await expect.poll(() => s.getAttribute('data-views'), { timeout: UP_MS }).toBe('ready');
    await expect
      .poll(() => nodeNames(s), { timeout: UP_MS })
      .toEqual(scenarios[scenario].nodes.map((n) => n.name).sort());
    await expect.poll(() => s.locator('[data-part="state"]').innerText(), { timeout: UP_MS }).toMatch(/shell running/);
    // The shell starts alongside the nodes, so it runs before they are all up: the panel says when they are.
    await expect.poll(() => s.getAttribute('data-ready'), { timeout: UP_MS }).toBe('');
  };
  const screen = async (s: Locator) => {
    await s.locator('.xterm').scrollIntoViewIfNeeded();
    return s.locator('.xterm-rows').innerText();
  };
  const type = async (page: Page, s: Locator, line: string) => {
    await s.locator('.xterm').click();
    await page.keyboard.type(line);
    await page.keyboard.press('Enter');
  };
  /** The folder on disk of the sandbox's supervisor (its working directory). */
  const folderOf = async (s: Locator, scenario: string) => {
    const name = await s.getAttribute('data-folder');
    expect(name).toMatch(/^sandbox-\d+$/);
    let found: string | undefined;
    // Another test file, or this file's page before, may run the same scenario in a sandbox of the same name at the
    // same moment: only a supervisor the bridge started for this page counts.
    const ours = spawnedFor.get(s.page())!;
    await expect
      .poll(
        () =>
          (found = supervisors().find(
            (p) => p.scenario === scenario && basename(p.folder) === name && ours.has(p.pid),
          )?.folder),
        { timeout: 10_000 },
      )
      .toBeDefined();
    return found!;
  };

  /** Opens a lesson, scrolls its first sandbox into view (which starts it) and starts the second with its button. */
  async function bothStarted(path: string, [first, second]: [string, string]) {
    const page = await open(path);
    const [firstBox, secondBox] = [sandbox(page, 0), sandbox(page, 1)];
    await firstBox.scrollIntoViewIfNeeded();
    await up(firstBox, first);
    await secondBox.getByRole('button', { name: 'Start this sandbox' }).click();
    await up(secondBox, second);
    return { page, firstBox, secondBox };
  }

  it.each(MULTI.map((lesson) => [lesson.slug, lesson.scenarios] as const))(
    '%s: the first sandbox starts as it nears the screen, the second on its button, which stops the first; neither sees the other',
    { timeout: TEST_MS },
    async (slug, [first, second]) => {
      const page = await open(`/${slug}/`);
      try {
        // Nothing runs until a sandbox is within a screen of view, then only that one.
        const firstBox = sandbox(page, 0);
        const screenHeight = page.viewportSize()!.height;
        if (!(await firstBox.isVisible()) || (await firstBox.boundingBox())!.y > 2 * screenHeight + 100) {
          await page.waitForTimeout(500);
          expect(new Set(await states(page))).toEqual(new Set(['idle']));
        }
        await firstBox.scrollIntoViewIfNeeded();
        await up(firstBox, first);
        const onPage = MULTI.find((l) => l.slug === slug)!.scenarios;
        expect((await states(page)).slice(1)).toEqual(Array(onPage.length - 1).fill('idle'));
        // The sidebar counts all the page's exercises from its first sandbox on, those of the others not run yet too.
        const exercises = onPage.reduce((sum, name) => sum + scenarios[name]!.goals.length, 0);
        const badge = page.locator(`#starlight__sidebar a[href="/${slug}/"] .lesson-progress`);
        await expect.poll(() => badge.textContent(), { timeout: 10_000 }).toMatch(new RegExp(`^ \\d+/${exercises}`));
        const secondBox = sandbox(page, 1);
        await expect(secondBox.getByRole('button', { name: 'Start this sandbox' }).isVisible()).resolves.toBe(true);

        // A file in the first sandbox's folder is the first sandbox's only.
        const firstFolder = await folderOf(firstBox, first);
        writeFileSync(join(firstFolder, 'marker.txt'), `written in ${basename(firstFolder)}\n`);
        await type(page, firstBox, 'cat marker.txt');
        await expect.poll(() => screen(firstBox), { timeout: 15_000 }).toContain(`written in ${basename(firstFolder)}`);

        await secondBox.getByRole('button', { name: 'Start this sandbox' }).click();
        await expect.poll(() => firstBox.getAttribute('data-state')).toBe('stopped');
        expect(await firstBox.locator('[data-part="why"]').innerText()).toBe(
          'Stopped because you started the sandbox below; start it again to continue.',
        );
        await up(secondBox, second);
        const secondFolder = await folderOf(secondBox, second);
        // Two folders of the same runtime session, side by side.
        expect(secondFolder).not.toBe(firstFolder);
        expect(dirname(secondFolder)).toBe(dirname(firstFolder));
        // The first stopped cleanly, on its quit command, and none of its processes is left to answer anyone.
        await expect.poll(() => firstBox.getAttribute('data-supervisor-ending'), { timeout: STOP_MS }).toBe('quit 0');
        expect(sandboxProcesses().filter((p) => p.folder === firstFolder)).toEqual([]);
        // The second sandbox's processes all run in its folder, and its terminal does not see the first's file.
        const running = () =>
          sandboxProcesses()
            .filter((p) => p.folder === secondFolder)
            .map((p) => p.program);
        expect(running(), JSON.stringify(sandboxProcesses())).toEqual(
          expect.arrayContaining(['supervisor', ...new Set(scenarios[second].nodes.map((n) => n.program))]),
        );
        // The terminal's shell and, for a sandbox with a web front, the load control's: started with the sandbox, so
        // that a first rate is sent at once, not one process start later.
        const front = scenarios[second].nodes.some((n) => FRONT_DOORS.includes(n.role));
        await expect.poll(() => running().filter((program) => program === 'shell')).toHaveLength(front ? 2 : 1);
        await type(page, secondBox, 'cat marker.txt');
        await expect
          .poll(() => screen(secondBox), { timeout: 15_000 })
          .toMatch(/cat: marker\.txt: No such file or directory/);
        // Its own nodes answer, by name: `infra status` lists them and only them.
        await type(page, secondBox, 'infra status');
        await expect.poll(() => screen(secondBox), { timeout: 20_000 }).toMatch(/Goals met: \d+\/\d+/);
        const status = await screen(secondBox);
        for (const node of scenarios[second].nodes) expect(status).toContain(node.name);
        for (const node of scenarios[first].nodes.filter(
          (n) => !scenarios[second].nodes.some((m) => m.name === n.name),
        ))
          expect(status).not.toContain(node.name);
        expect(errors).toEqual([]);
      } finally {
        await page.close();
      }
    },
  );

  it(
    'round-robin: curl through the second balancer reaches only the web servers of its own folder',
    { timeout: TEST_MS },
    async () => {
      const { page, secondBox } = await bothStarted('/round-robin/', ['weighted-servers', 'uneven-servers']);
      try {
        const folder = await folderOf(secondBox, 'uneven-servers');
        // Answers come from web servers, and the only web servers of this runtime session run in this sandbox's folder.
        for (let i = 0; i < 4; i++) await type(page, secondBox, 'curl -s http://10.0.0.2/');
        await expect
          .poll(async () => ((await screen(secondBox)).match(/web-0\d/g) ?? []).length, { timeout: 20_000 })
          .toBeGreaterThanOrEqual(4);
        const mine = new Set(
          sandboxProcesses()
            .filter((p) => p.folder === folder && p.program === 'web')
            .map((p) => p.pid),
        );
        expect(mine.size).toBe(scenarios['uneven-servers'].nodes.filter((n) => n.role === 'web').length);
        const elsewhere = sandboxProcesses().filter(
          (p) => p.program === 'web' && dirname(p.folder) === dirname(folder) && p.folder !== folder,
        );
        expect(elsewhere).toEqual([]);
      } finally {
        await page.close();
      }
    },
  );

  it(
    'a sandbox started again runs in a fresh folder, and stops the one below, saying so',
    { timeout: TEST_MS },
    async () => {
      const { page, firstBox, secondBox } = await bothStarted('/active-passive/', ['active-passive', 'active-active']);
      try {
        await firstBox.getByRole('button', { name: 'Start this sandbox' }).click();
        await up(firstBox, 'active-passive');
        expect(await secondBox.locator('[data-part="why"]').innerText()).toBe(
          'Stopped because you started the sandbox above; start it again to continue.',
        );
        expect(await firstBox.getAttribute('data-folder')).toBe('sandbox-3');
        // The restarted panel is a clean one: a single list of start steps, one terminal.
        expect(await firstBox.locator('.xterm').count()).toBe(1);
        expect(errors).toEqual([]);
      } finally {
        await page.close();
      }
    },
  );

  it(
    'the first sandbox connects to the bridge while the learner reads above it, spawns nothing while it is more than a screen below, and starts a screen ahead of view',
    { timeout: TEST_MS },
    async () => {
      // A laptop's screen, less its browser's bars: the second-server lesson's sandbox starts three screens down.
      const page = await course.browser.newPage({ viewport: { width: 1280, height: 600 } });
      await page.route(/mermaid|pagefind/, (route) => route.abort());
      page.on('pageerror', (error) => /mermaid|pagefind/.test(error.message) || errors.push(error.message));
      const sockets: string[] = [];
      const sent: string[] = [];
      let ready = false;
      page.on('websocket', (socket) => {
        sockets.push(new URL(socket.url()).pathname);
        socket.on('framesent', ({ payload }) => sent.push(String(payload)));
        socket.on('framereceived', ({ payload }) => (ready ||= JSON.parse(String(payload)).type === 'ready'));
      });
      try {
        await page.goto(new URL('/second-server/', course.server.url).href);
        const box = sandbox(page, 0);
        const y = (await box.boundingBox())!.y;
        expect(y, 'the sandbox starts more than a screen below the first').toBeGreaterThan(2 * 600);
        // The session is open (the bridge said 'ready') while the sandbox waits: no program asked for, none started.
        await expect.poll(() => ready, { timeout: UP_MS }).toBe(true);
        await page.waitForTimeout(500);
        expect(await box.getAttribute('data-state')).toBe('idle');
        expect(sent).toEqual([]);
        // The learner reads on: the sandbox's top is still half a screen below the screen's bottom, and it starts.
        await page.evaluate((top) => scrollTo(0, top - 600 - 300), y);
        expect((await box.boundingBox())!.y).toBeGreaterThan(600);
        await expect.poll(() => box.getAttribute('data-state'), { timeout: UP_MS }).toBe('running');
        await box.scrollIntoViewIfNeeded();
        await up(box, 'one-server');
        // One connection, made ahead; the panel lists it as its first step, done.
        expect(sockets).toEqual(['/__sandbox/bridge']);
        expect(await box.locator('[data-part="steps"] li[data-done]').first().innerText()).toBe(
          'Connecting to the local bridge',
        );
        expect(sent.map((frame) => JSON.parse(frame)).find((message) => message.type === 'spawn')).toMatchObject({
          program: 'supervisor',
          args: ['--scenario', 'one-server'],
        });
        expect(errors).toEqual([]);
      } finally {
        await page.close();
      }
    },
  );

  it('the capstone sandbox starts when scrolled into view and comes up whole', { timeout: TEST_MS }, async () => {
    const page = await open('/capstone/');
    try {
      const box = sandbox(page, 0);
      await box.scrollIntoViewIfNeeded();
      await up(box, 'capstone');
      expect(await box.getAttribute('data-folder')).toBe('sandbox-1');
    } finally {
      await page.close();
    }
  });

  it(
    'without JavaScript, a sandbox says what it would show and how to get it, and draws no empty box',
    { timeout: TEST_MS },
    async () => {
      const context = await course.browser.newContext({ javaScriptEnabled: false });
      try {
        const page = await context.newPage();
        await page.goto(new URL('/round-robin/', course.server.url).href);
        const box = sandbox(page, 0);
        const about = scenarios['weighted-servers'];
        expect(await box.innerText()).toBe(
          `${about.title}. ${about.summary}\n\nHere runs a live sandbox: ${about.nodes.map((n) => n.name).join(', ')} as real programs, drawn as a topology you can break and repair, with a terminal to work in and the exercises checked as you go. It needs JavaScript: turn it on for this site and reload, or run the course on your own computer with npm start (see the course's README).`,
        );
        expect(await box.locator('.sandbox-terminal').isVisible()).toBe(false);
      } finally {
        await context.close();
      }
    },
  );

  it('on a phone-sized touch screen, no sandbox starts until its button is pressed', { timeout: TEST_MS }, async () => {
    const page = await open('/overview/', { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
    try {
      const box = sandbox(page, 0);
      await box.scrollIntoViewIfNeeded();
      await page.waitForTimeout(1_000);
      expect(await box.getAttribute('data-state')).toBe('idle');
      expect(await box.locator('[data-part="why"]').innerText()).toBe(
        'On a touch device a sandbox starts only when you ask: it runs several programs at once.',
      );
      await box.getByRole('button', { name: 'Start this sandbox' }).tap();
      await up(box, 'two-servers');
    } finally {
      await page.close();
    }
  });

  // A stopped process stands for one whose event loop is busy: it reads no command. A real kill() ends it; in the
  // constrained mode, as in a WebContainer, kill() cannot, and the page must say so and carry on.
  it(
    `${constraints ? 'reports a supervisor that neither quits nor dies as stuck' : 'kills a supervisor that does not answer its quit command'}, within the bounds, and the next sandbox still starts`,
    { timeout: TEST_MS },
    async () => {
      const page = await open('/monitoring/');
      let supervisor: { pid: number } | undefined;
      try {
        const [firstBox, secondBox] = [sandbox(page, 0), sandbox(page, 1)];
        await firstBox.scrollIntoViewIfNeeded();
        await up(firstBox, 'monitoring');
        const folder = await folderOf(firstBox, 'monitoring');
        supervisor = supervisors().find((p) => p.folder === folder)!;
        process.kill(supervisor.pid, 'SIGSTOP');
        const started = Date.now();
        await secondBox.getByRole('button', { name: 'Start this sandbox' }).click();
        await expect
          .poll(() => firstBox.getAttribute('data-supervisor-ending'), { timeout: STOP_MS })
          .toMatch(constraints ? /^stuck$/ : /^kill \d+$/);
        expect(Date.now() - started).toBeGreaterThanOrEqual(QUIT_MS);
        expect(Date.now() - started).toBeLessThan(STOP_MS);
        if (constraints) {
          expect(await firstBox.locator('[data-part="notices"]').innerText()).toContain(
            `The supervisor of the stopped sandbox did not exit in time, so its folder ${basename(folder)} is left behind; the next sandbox starts in a fresh folder.`,
          );
        }
        await up(secondBox, 'silent-failure');
        expect(await secondBox.getAttribute('data-folder')).not.toBe(basename(folder));
        expect(errors).toEqual([]);
      } finally {
        await page.close();
        // A stuck one (constrained mode) is ended here rather than by the bridge's cleanup, later; a killed one is gone.
        if (constraints && supervisor) process.kill(supervisor.pid, 'SIGKILL');
      }
    },
  );

  it(
    'keeps the runtime through a pagehide into the back/forward cache, and tears it down once on a real unload',
    { timeout: TEST_MS },
    async () => {
      const page = await open('/overview/');
      const sockets: import('playwright-core').WebSocket[] = [];
      page.on('websocket', (socket) => sockets.push(socket));
      try {
        const box = sandbox(page, 0);
        await box.scrollIntoViewIfNeeded();
        await up(box, 'two-servers');
        await page.evaluate(() => dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true })));
        await type(page, box, 'echo still here');
        await expect.poll(async () => (await screen(box)).split('\n'), { timeout: 10_000 }).toContain('still here');
        expect(sockets.every((s) => !s.isClosed())).toBe(true);
        await page.evaluate(() => {
          dispatchEvent(new PageTransitionEvent('pagehide', { persisted: false }));
          dispatchEvent(new PageTransitionEvent('pagehide', { persisted: false }));
        });
        await expect.poll(() => sockets.every((s) => s.isClosed()), { timeout: 10_000 }).toBe(true);
        await expect
          .poll(() => box.locator('[data-part="supervisor"]').innerText(), { timeout: 10_000 })
          .toMatch(/^stopped/);
        expect(errors).toEqual([]);
      } finally {
        await page.close();
      }
    },
  );
});
