// The views against what really happened (issue 13), on the lessons' own sandboxes with the real scenarios running
// through the local runtime: a balancer killed under load reads stopped, with no role and no traffic, and the
// errors chart counts what the clients saw (100 % when everything fails); during a VIP takeover the clients'
// failures show as errors; in active/active each balancer shows its role per VRRP instance and the address it holds.
// Along the way: requests in the event log without health checks, inline code in hints, a cylinder's rim clear of its name.
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { serveBuiltCourse } from '../support/site';
import { chromiumPath } from './chromium';
import { courseInChromium } from './course-in-chromium';
import { startSandbox } from './start-sandbox';

/** Starting a topology on a busy 2-core machine: several processes, each a Node start. */
const UP_MS = 60_000;
const TEST_MS = 180_000;
/** keepalived's Master_Down_Interval with 1 s adverts is about 3.6 s; a loaded machine may stall adverts a little. */
const TAKEOVER_MS = 20_000;

describe.skipIf(!chromiumPath)('views derived from what happened, in Chromium', () => {
  const course = courseInChromium(serveBuiltCourse);
  const pages: Page[] = [];

  async function open(path: string, scenario: string): Promise<Locator> {
    const page = await course.browser.newPage();
    pages.push(page);
    await page.goto(new URL(path, course.server.url).href);
    const sandbox = page.locator(`[data-sandbox][data-scenario="${scenario}"]`);
    await startSandbox(sandbox);
    await expect.poll(() => sandbox.getAttribute('data-views'), { timeout: UP_MS }).toBe('ready');
    await expect
      .poll(() => sandbox.locator('g.node.process-running').count(), { timeout: UP_MS })
      .toBe((await import(`../../sandboxes/scenarios/${scenario}.ts`)).default.nodes.length);
    return sandbox;
  }

  /** A node's visible lines (also its accessible name), joined with '; '. */
  const label = (sandbox: Locator, name: string) =>
    sandbox.locator(`svg.topology [data-node="${name}"]`).evaluate((g) =>
      [...g.querySelectorAll('text')]
        .map((t) => t.textContent)
        .filter(Boolean)
        .join('; '),
    );
  /** The errors chart's captions as they changed, with the time each was first read: a failed poll says them all. */
  const captions: string[] = [];
  const errors = async (sandbox: Locator) => {
    const caption = await sandbox.locator('.chart-errors .summary').innerText();
    if (!captions.at(-1)?.endsWith(` ${caption}`))
      captions.push(`${new Date().toISOString().slice(11, 23)} ${caption}`);
    return caption;
  };
  const errorsReach = (sandbox: Locator, caption: string, timeout: number) =>
    expect
      .poll(() => errors(sandbox), { timeout })
      .toBe(caption)
      .catch((error: Error) => {
        throw new Error(`${error.message}; the captions read, as they changed: ${captions.slice(-40).join(' | ')}`);
      });
  const kill = async (sandbox: Locator, name: string) => {
    await sandbox.locator(`svg.topology [data-node="${name}"]`).click();
    await sandbox.getByRole('menuitem', { name: `Kill ${name} (kill -9)` }).click();
  };
  const closeAll = () => Promise.all(pages.splice(0).map((p) => p.close()));

  it(
    'spof: lb-01 killed under load reads STOPPED with no traffic, and the errors chart says 100 %',
    async () => {
      const sandbox = await open('/spof/', 'spof');
      await sandbox.locator('select.load').selectOption('10');
      // The clients' own reports arrive: a healthy site fails nothing.
      await errorsReach(sandbox, 'errors 0 %', 20_000);
      await expect.poll(() => label(sandbox, 'lb-01'), { timeout: 10_000 }).toMatch(/; running; ([1-9]\d*) req\/s$/);
      // The event log shows the requests in order from the start, without the health checks in between.
      const log = () => sandbox.locator('.event-log .lines li').allInnerTexts();
      expect([
        await sandbox.locator('.event-log input[value="request"]').isChecked(),
        await sandbox.locator('.event-log input[value="check"]').isChecked(),
      ]).toEqual([true, false]);
      await expect
        .poll(async () => (await log()).filter((l) => / fe_web be_app\/web-0[12] /.test(l)).length, { timeout: 10_000 })
        .toBeGreaterThanOrEqual(4);
      expect((await log()).filter((l) => l.includes('GET /health'))).toEqual([]);
      await kill(sandbox, 'lb-01');
      await expect.poll(() => label(sandbox, 'lb-01'), { timeout: 10_000 }).toBe('lb-01; balancer, 10.0.0.2; STOPPED');
      // Every request is refused at the clients: no node logs one, the clients report them all.
      await errorsReach(sandbox, 'errors 100 %', 15_000);
      // A request lb-01 had already passed on may still be logged by its server in that second: then none.
      await expect
        .poll(() => sandbox.locator('.chart-rps .summary').innerText(), { timeout: 5_000 })
        .toBe('web-01 0/s, web-02 0/s');
      await sandbox.locator('select.load').selectOption('0');
      // The database's cylinder: the near rim of its lid passes above its name, not through it.
      const db = await sandbox.locator('svg.topology [data-node="db-01"]').evaluate((g) => ({
        rim: (g.querySelector('.rim') as SVGGraphicsElement).getBoundingClientRect().bottom,
        name: (g.querySelector('text.name') as SVGGraphicsElement).getBoundingClientRect().top,
      }));
      expect(db.rim).toBeLessThanOrEqual(db.name);
      await closeAll();
    },
    TEST_MS,
  );

  it(
    'active/passive: the MASTER killed under load loses its role and address; the clients failing during the takeover are errors',
    async () => {
      const sandbox = await open('/active-passive/', 'active-passive');
      await expect
        .poll(() => label(sandbox, 'lb-01'), { timeout: TAKEOVER_MS })
        .toMatch(/^lb-01; balancer, 10\.0\.0\.2; running; MASTER VI_1; \d+ req\/s; VIP 10\.0\.0\.10$/);
      await sandbox.locator('select.load').selectOption('10');
      await errorsReach(sandbox, 'errors 0 %', 20_000);
      await kill(sandbox, 'lb-01');
      await expect.poll(() => label(sandbox, 'lb-01'), { timeout: 10_000 }).toBe('lb-01; balancer, 10.0.0.2; STOPPED');
      await expect
        .poll(() => label(sandbox, 'lb-02'), { timeout: TAKEOVER_MS })
        .toMatch(/^lb-02; balancer, 10\.0\.0\.3; running; MASTER VI_1; \d+ req\/s; VIP 10\.0\.0\.10$/);
      // Between the death and the takeover nobody holds 10.0.0.10: the clients' failures are logged as errors.
      const failed = sandbox.locator('.event-log li.level-error', {
        hasText: /^.*The clients sent \d+ requests to http:\/\/10\.0\.0\.10\/ in .*(refused|timed out|reset)/,
      });
      await expect.poll(() => failed.count(), { timeout: TAKEOVER_MS }).toBeGreaterThan(0);
      await sandbox.locator('select.load').selectOption('0');
      await closeAll();
    },
    TEST_MS,
  );

  it(
    'active/active: lb-01 holds 10.0.0.10 as MASTER of VI_1 and BACKUP of VI_2, lb-02 the other way round',
    async () => {
      const sandbox = await open('/active-passive/', 'active-active');
      await expect
        .poll(() => label(sandbox, 'lb-01'), { timeout: TAKEOVER_MS })
        .toBe('lb-01; balancer, 10.0.0.2; running; MASTER VI_1 · BACKUP VI_2; 0 req/s; VIP 10.0.0.10');
      // Each instance elects on its own: lb-02 becomes MASTER of VI_2 on its own timer, not with lb-01's VI_1.
      await expect
        .poll(() => label(sandbox, 'lb-02'), { timeout: TAKEOVER_MS })
        .toBe('lb-02; balancer, 10.0.0.3; running; BACKUP VI_1 · MASTER VI_2; 0 req/s; VIP 10.0.0.20');
      // Hints show their inline code as code, not as backticks.
      const goal = sandbox.locator('.exercises [data-goal="both-active"]');
      await goal.getByRole('button', { name: /^Show a hint \(1 of \d\)$/ }).click();
      expect(await goal.locator('.hints li code').first().innerText()).toBe('dig www.example.com');
      expect(await goal.locator('.hints li').first().innerText()).not.toContain('`');
      // Neither badge covers the rate line of the node above it.
      const boxes = await sandbox.locator('svg.topology').evaluate((svg) => {
        const box = (selector: string) => (svg.querySelector(selector) as SVGGraphicsElement).getBoundingClientRect();
        return { rate: box('[data-node="lb-01"] text.rate'), badge: box('[data-node="lb-02"] .vip-badge') };
      });
      expect(boxes.badge.top).toBeGreaterThanOrEqual(boxes.rate.bottom);
      await closeAll();
    },
    TEST_MS,
  );
});
