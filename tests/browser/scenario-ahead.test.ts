// A lesson page's first scenario, started by `npm start`'s server as it serves the page (src/runtime/local/server.ts):
// in Chromium, the page takes that supervisor with its nodes already starting and tells it nothing; a page that
// starts another sandbox first gets a supervisor of its own, and the one started for it ends with its nodes.
// Real server, real bridge, real processes; what the page and the bridge said read from the page's WebSocket.
import { basename } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { descendantsOf } from '../../src/runtime/local/processes.ts';
import { alive } from '../support/sandbox-node';
import { serveBuiltCourse } from '../support/site';
import { until } from '../bridge/harness';
import { chromiumPath } from './chromium';
import { courseInChromium } from './course-in-chromium';
import { supervisors } from './processes';

/** A topology's start, or the next session opened ahead, on a busy two-core machine. */
const UP_MS = 40_000;

/**
 * The supervisor of the session the server keeps open ahead, once it waits for a scenario: in the first sandbox's
 * folder (a page starts its next sandbox's ahead in the next folder), and not one taken before.
 */
async function supervisorWaiting(not: number[] = []): Promise<number> {
  let found: number | undefined;
  const waiting = () => {
    const mine = descendantsOf([process.pid]);
    return supervisors().find(
      (s) =>
        mine.has(s.pid) &&
        s.ahead &&
        s.scenario === undefined &&
        basename(s.folder) === 'sandbox-1' &&
        !not.includes(s.pid),
    )?.pid;
  };
  expect(await until(() => (found = waiting()) !== undefined, UP_MS)).toBe(true);
  return found!;
}

/** The supervisors the page spawned (id → what the bridge answered) and what it wrote to each process. */
function watchBridge(page: Page) {
  const supervisors = new Map<number, { args: string[]; pid?: number; scenario?: string }>();
  const written = new Map<number, string>();
  page.on('websocket', (socket) => {
    socket.on('framesent', ({ payload }) => {
      const request = JSON.parse(String(payload)) as {
        type: string;
        id: number;
        program?: string;
        args?: string[];
        data?: string;
      };
      if (request.type === 'spawn' && request.program === 'supervisor')
        supervisors.set(request.id, { args: request.args! });
      if (request.type === 'input') written.set(request.id, (written.get(request.id) ?? '') + request.data);
    });
    socket.on('framereceived', ({ payload }) => {
      const reply = JSON.parse(String(payload)) as { type: string; id: number; pid?: number; scenario?: string };
      const supervisor = supervisors.get(reply.id);
      if (reply.type === 'spawned' && supervisor)
        Object.assign(supervisor, { pid: reply.pid, scenario: reply.scenario });
    });
  });
  return { supervisors, written };
}

describe.skipIf(!chromiumPath)("a lesson page's first scenario, started as the server serves the page", () => {
  const course = courseInChromium(serveBuiltCourse);
  const taken: number[] = [];

  it('is run by the supervisor the page takes, which the page tells nothing', { timeout: 120_000 }, async () => {
    const ahead = await supervisorWaiting();
    taken.push(ahead);
    const page = await course.browser.newPage();
    const bridge = watchBridge(page);
    await page.goto(new URL('/overview/', course.server.url).href);
    const sandbox = page.locator('[data-sandbox]');
    await sandbox.scrollIntoViewIfNeeded();
    await sandbox.and(page.locator('[data-ready]')).waitFor({ timeout: UP_MS });
    // One supervisor: the one the server started ahead and named as it served the page.
    expect([...bridge.supervisors.values()]).toEqual([
      { args: ['--scenario', '-'], pid: ahead, scenario: 'two-servers' },
    ]);
    const [id] = bridge.supervisors.keys();
    // Nothing but commands (JSON lines) went to it: no scenario name, which it would read as a bad command.
    for (const line of (bridge.written.get(id) ?? '').split('\n').filter(Boolean))
      expect(() => JSON.parse(line)).not.toThrow();
    await expect.poll(() => sandbox.locator('g.node.process-running').count(), { timeout: UP_MS }).toBe(3);
    await expect
      .poll(() => sandbox.locator('.xterm-rows').innerText(), { timeout: UP_MS })
      .toContain('learner@laptop:~$');
    await page.close();
  });

  it(
    'ends with its nodes when the learner starts another sandbox of the page first (on a touch device, where none starts by itself)',
    { timeout: 120_000 },
    async () => {
      const ahead = await supervisorWaiting(taken);
      const nodesOf = () => [...descendantsOf([ahead]).keys()];
      expect(await until(() => nodesOf().length > 0, UP_MS)).toBe(true);
      const context = await course.browser.newContext({
        hasTouch: true,
        isMobile: true,
        viewport: { width: 390, height: 844 },
      });
      const page = await context.newPage();
      const bridge = watchBridge(page);
      await page.goto(new URL('/round-robin/', course.server.url).href);
      // The server named the page's first scenario; the learner starts the second one.
      const second = page.locator('[data-sandbox][data-scenario="uneven-servers"]');
      await second.scrollIntoViewIfNeeded();
      const spares = nodesOf();
      await second.getByRole('button', { name: 'Start this sandbox' }).click();
      await second.and(page.locator('[data-ready]')).waitFor({ timeout: UP_MS });
      const supervisors = [...bridge.supervisors.values()];
      // The page took the one started ahead (named for weighted-servers), ended it, and started its own.
      expect(supervisors[0]).toEqual({ args: ['--scenario', '-'], pid: ahead, scenario: 'weighted-servers' });
      expect(supervisors[1]).toMatchObject({ args: ['--scenario', 'uneven-servers'] });
      expect(supervisors[1].pid).not.toBe(ahead);
      expect(await until(() => !alive(ahead) && spares.every((pid) => !alive(pid)), UP_MS)).toBe(true);
      await expect.poll(() => second.locator('g.node.process-running').count(), { timeout: UP_MS }).toBe(3);
      await context.close();
    },
  );
});
