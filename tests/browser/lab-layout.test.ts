// The sandbox panel's lab layout in a real browser (Debian's Chromium) against the served course and the local
// runtime: at a laptop's 1280×720, a projector's 1920×1080 and a phone's 390×844 the topology and the terminal fit
// on the screen together, nothing scrolls sideways (1000 px wide either), the node menu stays on screen and axe
// finds nothing; presenter mode covers all of the page's chrome, its terminal text is large and adjustable and `k`
// kills the focused node; the table of contents follows the page through a sandbox; stopping Chaos repairs what it
// broke; and a page of several sandboxes runs the processes of one. Set LAYOUT_SHOTS=<folder> to keep screenshots.
import { mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { scenarios } from '../../sandboxes/scenarios/index';
import { PRESENTER_FONT_PX } from '../../src/sandbox/view/instructor';
import { serveBuiltCourse } from '../support/site';
import { axeViolations } from './axe';
import { chromiumPath } from './chromium';
import { courseInChromium } from './course-in-chromium';
import { sandboxProcesses, supervisors } from './processes';
import { startSandbox } from './start-sandbox';

/** Starting a topology on a busy 2-core machine: several processes, each a Node start. */
const UP_MS = 40_000;
const TEST_MS = 120_000;
const SHOTS = process.env.LAYOUT_SHOTS;
const SIZES = [
  { width: 1280, height: 720 },
  { width: 1920, height: 1080 },
  { width: 390, height: 844 },
];

interface Box {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

describe.skipIf(!chromiumPath)('the lab layout in Chromium', () => {
  const course = courseInChromium(serveBuiltCourse);
  /** What each size measured, printed at the end for the closing note. */
  const figures: Record<string, unknown> = {};
  let page: Page;

  async function open(path: string, size = SIZES[0]): Promise<Page> {
    const p = await course.browser.newPage({ viewport: size });
    await p.goto(new URL(path, course.server.url).href);
    await startSandbox(p.locator('[data-sandbox]').first());
    await expect
      .poll(() => p.locator('[data-sandbox]').first().getAttribute('data-views'), { timeout: UP_MS })
      .toBe('ready');
    await expect
      .poll(() => p.locator('[data-sandbox]').first().getAttribute('data-ready'), { timeout: UP_MS })
      .toBe('');
    return p;
  }

  const shot = async (p: Page, name: string) => {
    if (!SHOTS) return;
    mkdirSync(SHOTS, { recursive: true });
    await p.screenshot({ path: join(SHOTS, `${name}.png`) });
  };
  const resize = async (p: Page, size: { width: number; height: number }) => {
    await p.setViewportSize(size);
    // The layout, the topology's orientation and the terminal's fit follow on the next frames.
    await p.waitForTimeout(500);
  };
  const rect = (p: Page, selector: string): Promise<Box> =>
    p
      .locator(selector)
      .first()
      .evaluate((e) => {
        const r = e.getBoundingClientRect();
        return { top: r.top, bottom: r.bottom, left: r.left, right: r.right };
      });
  /** The part of the window the page's fixed header leaves free. */
  const screenBox = (p: Page): Promise<Box> =>
    p.evaluate(() => ({
      top: document.querySelector('header')?.getBoundingClientRect().bottom ?? 0,
      bottom: innerHeight,
      left: 0,
      right: document.documentElement.clientWidth,
    }));
  const within = (inner: Box, outer: Box) =>
    inner.top >= outer.top - 0.5 &&
    inner.bottom <= outer.bottom + 0.5 &&
    inner.left >= outer.left - 0.5 &&
    inner.right <= outer.right + 0.5;
  const sidewaysScroll = (p: Page) =>
    p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  const terminalSize = (p: Page) =>
    p
      .locator('.sandbox-terminal')
      .first()
      .evaluate((box) => ({
        cols: Number(box.dataset.cols),
        rows: Number(box.dataset.rows),
        fontPx: parseFloat(getComputedStyle(box.querySelector('.xterm-rows')!).fontSize),
      }));
  const label = (p: Page, name: string) =>
    p.locator(`svg.topology [data-node="${name}"]`).evaluate((g) =>
      [...g.querySelectorAll('text')]
        .map((t) => t.textContent)
        .filter(Boolean)
        .join('; '),
    );
  /** The smallest text of the topology as drawn on screen: its font size times the picture's scale, in CSS pixels. */
  const smallestTopologyText = (p: Page) =>
    p.locator('svg.topology').evaluate((svg: SVGSVGElement) => {
      const scale = svg.getScreenCTM()!.a;
      const sizes = [...svg.querySelectorAll('.node text')]
        .filter((t) => t.textContent)
        .map((t) => parseFloat(getComputedStyle(t).fontSize) * scale);
      return Math.round(Math.min(...sizes) * 10) / 10;
    });

  for (const size of SIZES) {
    it(
      `at ${size.width}×${size.height}: topology and terminal are on screen together, nothing scrolls sideways, node menus stay on screen, axe finds nothing`,
      async () => {
        page ??= await open('/overview/');
        await resize(page, size);
        // Once started, the panel offers no start button.
        expect(await page.getByRole('button', { name: 'Start this sandbox' }).isVisible()).toBe(false);
        await page.locator('[data-sandbox]').evaluate((panel) => panel.scrollIntoView({ block: 'start' }));
        await page.waitForTimeout(300);
        await shot(page, `${size.width}x${size.height}-top`);
        await page.locator('.lab').scrollIntoViewIfNeeded();
        await page.locator('.lab').evaluate((lab) => lab.scrollIntoView({ block: 'start' }));
        await page.waitForTimeout(300);
        const screen = await screenBox(page);
        const [topology, terminal, lab, panel] = await Promise.all(
          ['svg.topology', '.sandbox-terminal', '.lab', '[data-sandbox]'].map((s) => rect(page, s)),
        );
        await shot(page, `${size.width}x${size.height}`);
        expect(within(topology, screen), `topology ${JSON.stringify(topology)} on ${JSON.stringify(screen)}`).toBe(
          true,
        );
        expect(within(terminal, screen), `terminal ${JSON.stringify(terminal)} on ${JSON.stringify(screen)}`).toBe(
          true,
        );
        expect(await sidewaysScroll(page)).toBe(0);
        const term = await terminalSize(page);
        expect(term.cols).toBeGreaterThanOrEqual(44);
        expect(term.rows).toBeGreaterThanOrEqual(12);
        const text = await smallestTopologyText(page);
        expect(text).toBeGreaterThanOrEqual(9);

        // Each node's menu opens on screen, wherever the node sits.
        for (const name of ['lb-01', 'web-01', 'web-02']) {
          await page.locator(`svg.topology [data-node="${name}"]`).click();
          const menu = page.getByRole('menu', { name: `Actions for ${name}` });
          await expect.poll(() => menu.isVisible(), { timeout: 5_000 }).toBe(true);
          const box = await rect(page, '.node-menu');
          expect(
            within(box, { top: 0, bottom: size.height, left: 0, right: size.width }),
            `${name}'s menu ${JSON.stringify(box)}`,
          ).toBe(true);
          await page.keyboard.press('Escape');
        }
        expect(await axeViolations(page)).toEqual([]);
        figures[`${size.width}x${size.height}`] = {
          labHeight: Math.round(lab.bottom - lab.top),
          panelHeight: Math.round(panel.bottom - panel.top),
          terminal: term,
          smallestTopologyTextPx: text,
          orientation: await page.locator('svg.topology').getAttribute('data-orientation'),
        };
      },
      TEST_MS,
    );
  }

  it(
    'at 1000 px wide nothing scrolls sideways, before a sandbox starts or while it runs',
    async () => {
      await resize(page, { width: 1000, height: 800 });
      expect(await sidewaysScroll(page)).toBe(0);
      await shot(page, '1000x800');
      const idle = await course.browser.newPage({ viewport: { width: 1000, height: 800 } });
      await idle.goto(new URL('/primary-replica/', course.server.url).href);
      expect(await sidewaysScroll(idle)).toBe(0);
      await idle.close();
    },
    TEST_MS,
  );

  it(
    'shows the section a sandbox is in as current in "On this page" when the page is scrolled into the sandbox',
    async () => {
      await resize(page, SIZES[0]);
      await page.evaluate(() => scrollTo(0, 0));
      await expect
        .poll(() => page.locator('starlight-toc a[aria-current="true"]').innerText(), { timeout: 10_000 })
        .toBe('Overview');
      // Straight into the middle of the sandbox, which lies in the section "Try it first".
      await page.locator('.lab').evaluate((lab) => scrollTo(0, scrollY + lab.getBoundingClientRect().top - 40));
      await expect
        .poll(() => page.locator('starlight-toc a[aria-current="true"]').innerText(), { timeout: 10_000 })
        .toBe('Try it first');
    },
    TEST_MS,
  );

  for (const size of SIZES.slice(0, 2)) {
    it(
      `in presenter mode at ${size.width}×${size.height} the panel alone covers the window, with large adjustable terminal text, and Escape gives the page back`,
      async () => {
        await resize(page, size);
        const usualFont = (await terminalSize(page)).fontPx;
        const button = page.getByRole('button', { name: 'Presenter mode' });
        await button.click();
        await page.waitForTimeout(500);
        await shot(page, `presenter-${size.width}x${size.height}`);
        // Every point of the window, on a grid, is the panel's: no header, sidebar or table of contents over it.
        const strangers = await page.evaluate(() => {
          const root = document.querySelector('[data-sandbox]')!;
          const found: string[] = [];
          for (let x = 5; x < innerWidth; x += innerWidth / 24) {
            for (let y = 5; y < innerHeight; y += innerHeight / 16) {
              const hit = document.elementFromPoint(x, y);
              if (!hit || !root.contains(hit))
                found.push(`${Math.round(x)},${Math.round(y)}: ${hit?.tagName ?? 'nothing'}.${hit?.className}`);
            }
          }
          return found;
        });
        expect(strangers).toEqual([]);
        const screen = { top: 0, bottom: size.height, left: 0, right: size.width };
        expect(within(await rect(page, 'svg.topology'), screen)).toBe(true);
        expect(within(await rect(page, '.sandbox-terminal'), screen)).toBe(true);
        // The page behind is out of reach of Tab and screen readers.
        expect(
          await page
            .locator('header')
            .first()
            .evaluate((h) => !!h.closest('[inert]')),
        ).toBe(true);
        const big = await terminalSize(page);
        expect(big.fontPx).toBe(PRESENTER_FONT_PX);
        expect(big.cols).toBeGreaterThanOrEqual(40);
        await button.focus();
        await page.keyboard.press('+');
        await expect
          .poll(async () => (await terminalSize(page)).fontPx, { timeout: 5_000 })
          .toBe(PRESENTER_FONT_PX + 2);
        await page.keyboard.press('-');
        await page.keyboard.press('-');
        await expect
          .poll(async () => (await terminalSize(page)).fontPx, { timeout: 5_000 })
          .toBe(PRESENTER_FONT_PX - 2);
        await page.keyboard.press('0');
        await expect.poll(async () => (await terminalSize(page)).fontPx, { timeout: 5_000 }).toBe(PRESENTER_FONT_PX);
        expect(await axeViolations(page)).toEqual([]);
        figures[`presenter-${size.width}x${size.height}`] = {
          terminal: await terminalSize(page),
          smallestTopologyTextPx: await smallestTopologyText(page),
        };

        await page.keyboard.press('Escape');
        expect(await page.locator('[data-sandbox]').getAttribute('class')).not.toContain('presenter');
        expect(await button.evaluate((b) => b === document.activeElement)).toBe(true);
        expect(await button.getAttribute('aria-pressed')).toBe('false');
        expect(
          await page
            .locator('header')
            .first()
            .evaluate((h) => !!h.closest('[inert]')),
        ).toBe(false);
        await expect.poll(async () => (await terminalSize(page)).fontPx, { timeout: 5_000 }).toBe(usualFont);
      },
      TEST_MS,
    );
  }

  it(
    'k kills the focused node as its menu does, and s starts it again, in presenter mode',
    async () => {
      await page.getByRole('button', { name: 'Presenter mode' }).click();
      const names = scenarios['two-servers'].nodes.map((n) => n.name);
      await page.keyboard.press(String(names.indexOf('web-01') + 1));
      expect(await page.evaluate(() => document.activeElement?.getAttribute('data-node'))).toBe('web-01');
      await page.keyboard.press('k');
      await expect.poll(() => label(page, 'web-01'), { timeout: 10_000 }).toMatch(/; STOPPED; /);
      await expect
        .poll(() => page.locator('.views-status').innerText(), { timeout: 10_000 })
        .not.toBe('Kill web-01 (kill -9)…');
      expect(await page.locator('.views-status').innerText()).toMatch(/web-01/);
      await page.keyboard.press('s');
      await expect.poll(() => label(page, 'web-01'), { timeout: 30_000 }).toMatch(/; running; LB: UP(;|$)/);
      await page.keyboard.press('Escape');
    },
    TEST_MS,
  );

  it(
    'stopping Chaos midway repairs what it broke and says so',
    async () => {
      await resize(page, SIZES[0]);
      const chaos = page.getByRole('button', { name: 'Chaos', exact: true });
      await chaos.click();
      // Its first step freezes web-01; stopped then, Chaos resumes it.
      await expect.poll(() => label(page, 'web-01'), { timeout: 20_000 }).toMatch(/; FROZEN; /);
      await chaos.click();
      expect(await chaos.getAttribute('aria-pressed')).toBe('false');
      await expect
        .poll(() => page.locator('.views-status').innerText(), { timeout: 20_000 })
        .toMatch(/^Chaos stopped and repaired what it broke \(1 of 1\): Resume web-01/);
      await expect.poll(() => label(page, 'web-01'), { timeout: 20_000 }).toMatch(/; running; /);
      await page.close();
    },
    TEST_MS,
  );

  it(
    "runs only the first sandbox's processes on a page of several (primary-replica)",
    async () => {
      // Those already running a scenario are another page's; one still waiting (the bridge's, started ahead of any
      // page) may become this page's.
      const before = new Set(supervisors().flatMap((s) => (s.scenario === undefined ? [] : [s.pid])));
      const p = await open('/primary-replica/');
      const first = p.locator('[data-sandbox]').first();
      const scenario = (await first.getAttribute('data-scenario'))!;
      const folder = await first.getAttribute('data-folder');
      let supervisor: number | undefined;
      await expect
        .poll(
          () =>
            (supervisor = supervisors().find(
              (s) => !before.has(s.pid) && s.scenario === scenario && basename(s.folder) === folder,
            )?.pid),
          { timeout: 10_000 },
        )
        .toBeDefined();
      const session = dirname(sandboxProcesses().find((s) => s.pid === supervisor)!.folder);
      const next = `sandbox-${Number(folder!.replace('sandbox-', '')) + 1}`;
      const inSession = () => sandboxProcesses().filter((s) => dirname(s.folder) === session);
      // The first sandbox's spares (processes started ahead for its nodes) that no node took are let go once its
      // nodes are up.
      await expect
        .poll(() => inSession().filter((s) => s.program === 'spare' && basename(s.folder) !== next), {
          timeout: 10_000,
        })
        .toEqual([]);
      // Beside them, at most the next sandbox's processes, started ahead in its folder: its supervisor and its spares,
      // which run nothing until told a scenario, and its two shells.
      const waiting = inSession().filter((s) => basename(s.folder) === next);
      const count = (program: string) => waiting.filter((s) => s.program === program).length;
      expect(waiting.filter((s) => !['supervisor', 'spare', 'shell'].includes(s.program))).toEqual([]);
      expect(waiting.filter((s) => s.program === 'supervisor' && s.scenario !== undefined)).toEqual([]);
      expect(count('supervisor')).toBeLessThanOrEqual(1);
      expect(count('shell')).toBeLessThanOrEqual(2);
      expect(inSession().filter((s) => s.ahead && s.scenario === undefined && basename(s.folder) !== next)).toEqual([]);
      const running = inSession().filter((s) => !waiting.some((w) => w.pid === s.pid));
      // The scenario's nodes, its supervisor and the terminal's shell; the page's other sandboxes wait for their button.
      expect(running.map((s) => s.program).sort()).toEqual(
        ['supervisor', 'shell', ...scenarios[scenario].nodes.map((n) => n.program)].sort(),
      );
      figures['primary-replica processes'] = {
        scenario,
        count: running.length,
        sandboxes: await p.locator('[data-sandbox]').count(),
      };
      await p.close();
      console.log(`lab layout figures: ${JSON.stringify(figures, null, 1)}`);
    },
    TEST_MS,
  );
});
