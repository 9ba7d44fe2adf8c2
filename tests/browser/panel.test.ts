// The sandbox panel's views in a real browser (Debian's Chromium) against the served course and the local runtime:
// the overview lesson's two-servers topology is broken and repaired by mouse and keyboard, its exercise progress
// survives a reload, the page stays accessible with the panel running, the chaos button's faults show and the
// timeline replays them, and reduced motion is honoured.
import type { Page } from 'playwright-core';
import { describe, it, type ExpectStatic } from 'vitest';
import { scenarios } from '../../sandboxes/scenarios/index';
import { TERMINAL_SIZE } from '../../src/runtime/types';
import { chaosScript } from '../../src/sandbox/view/chaos';
import { constraints } from '../support/constraints';
import { serveBuiltCourse } from '../support/site';
import { axeViolations } from './axe';
import { chromiumPath } from './chromium';
import { courseInChromium } from './course-in-chromium';
import { startSandbox } from './start-sandbox';

/** Starting a topology on a busy 2-core machine: several processes, each a Node start. */
const UP_MS = 40_000;
const TEST_MS = 120_000;
/** The chaos button's fault sequence on the overview's topology; a test of it takes the script, then a start. */
const script = chaosScript(scenarios['two-servers'].nodes);
const CHAOS_MS = script.at(-1)!.at_ms + UP_MS + TEST_MS;
/**
 * Under the emulated WebContainer limits (vitest.config.ts) the runtime's own part is proved again: a sandbox started,
 * nodes killed, frozen and resumed, the chaos sequence. What the page makes of the events (drawing, accessibility,
 * hints, progress, animation) does not depend on how the programs run, and is proved in the local project only.
 */
const underLimits = constraints !== undefined;

describe.skipIf(!chromiumPath)('the sandbox panel in Chromium', () => {
  let page: Page;
  const errors: string[] = [];

  const course = courseInChromium(serveBuiltCourse);

  // Two tests run at once (the chaos sequence beside the others): each asserts with its own `expect` (vitest's rule
  // for concurrent tests), and hands it to what waits on its behalf.
  async function open(
    expect: ExpectStatic,
    path: string,
    reducedMotion: 'reduce' | 'no-preference' = 'no-preference',
  ): Promise<Page> {
    const p = await course.browser.newPage();
    await p.emulateMedia({ reducedMotion });
    p.on('pageerror', (error) => errors.push(error.message));
    await p.goto(new URL(path, course.server.url).href);
    await startSandbox(p.locator('[data-sandbox]'));
    await expect.poll(() => p.locator('[data-sandbox]').getAttribute('data-views'), { timeout: UP_MS }).toBe('ready');
    return p;
  }

  const node = (p: Page, name: string) => p.locator(`svg.topology [data-node="${name}"]`);
  /** A node's visible lines (which are also its accessible name), joined with '; '. */
  const label = (p: Page, name: string) =>
    node(p, name).evaluate((g) =>
      [...g.querySelectorAll('text')]
        .map((t) => t.textContent)
        .filter(Boolean)
        .join('; '),
    );
  /** Lines of the event log, with the Requests filter on. */
  const logLines = (p: Page) => p.locator('.event-log .lines li').allInnerTexts();
  const setLoad = (p: Page, rate: number) => p.locator('select.load').selectOption(String(rate));

  // The chaos sequence takes its own page and most of a minute of its own timers: it runs beside the other tests.
  describe('the overview lesson, one step after another', { concurrent: true }, () => {
    const inTurn = { concurrent: false, timeout: TEST_MS };

    it('draws the lesson topology with every node named, addressed and checked UP', inTurn, async ({ expect }) => {
      page = await open(expect, '/overview/');
      for (const [name, address] of [
        ['lb-01', '10.0.0.2'],
        ['web-01', '10.0.0.11'],
        ['web-02', '10.0.0.12'],
      ]) {
        await expect
          .poll(() => label(page, name), { timeout: UP_MS })
          .toMatch(new RegExp(`^${name}; .*${address.replace(/\./g, '\\.')}; running`));
      }
      await expect.poll(() => label(page, 'web-01'), { timeout: UP_MS }).toMatch(/; LB: UP(;|$)/);
      expect(await page.locator('.exercises .goal').count()).toBeGreaterThanOrEqual(2);
    });

    it.skipIf(underLimits)(
      "starts the terminal's shell while the nodes of the scenario start, and shows its prompt once they are up",
      inTurn,
      async ({ expect }) => {
        const p = await course.browser.newPage();
        p.on('pageerror', (error) => errors.push(error.message));
        // The bridge's answers in the order it sent them: the terminal's shell started (a process ahead, or a new one),
        // and the supervisor's `ready` event, which says every node is up.
        const seen: string[] = [];
        const spawns = new Map<number, string>();
        let supervisorSaid = '';
        p.on('websocket', (socket) => {
          socket.on('framesent', ({ payload }) => {
            const request = JSON.parse(String(payload)) as {
              type: string;
              id: number;
              program?: string;
              terminal?: object;
            };
            if (request.type !== 'spawn') return;
            const terminal = JSON.stringify(request.terminal) === JSON.stringify(TERMINAL_SIZE);
            spawns.set(request.id, request.program === 'shell' && terminal ? 'terminal shell' : request.program!);
          });
          socket.on('framereceived', ({ payload }) => {
            const reply = JSON.parse(String(payload)) as { type: string; id: number; data?: string };
            const from = spawns.get(reply.id);
            if (reply.type === 'spawned' && from === 'terminal shell') seen.push('shell started');
            if (reply.type !== 'output' || from !== 'supervisor' || seen.includes('topology up')) return;
            supervisorSaid += reply.data; // one event may come in two frames
            if (supervisorSaid.includes('"type":"ready"')) seen.push('topology up');
          });
        });
        await p.goto(new URL('/overview/', course.server.url).href);
        await startSandbox(p.locator('[data-sandbox]'));
        await p.locator('[data-sandbox][data-ready]').waitFor({ timeout: UP_MS });
        expect(seen).toEqual(['shell started', 'topology up']);
        // The panel is ready once the topology is, as before: every node is up; the learner's prompt is there.
        expect(await p.locator('[data-part="supervisor"]').innerText()).toBe('running');
        expect(await p.locator('[data-part="state"]').innerText()).toBe('Terminal: shell running');
        await expect
          .poll(() => p.locator('.xterm-rows').innerText(), { timeout: 5_000 })
          .toContain('learner@laptop:~$');
        await p.close();
      },
    );

    it.skipIf(underLimits)(
      'has no axe-core violations with the panel running and traffic flowing',
      inTurn,
      async ({ expect }) => {
        await setLoad(page, 5);
        await expect
          .poll(() => page.locator('.chart-rps .summary').innerText(), { timeout: 20_000 })
          .toMatch(/web-0\d [1-9]/);
        expect(await axeViolations(page)).toEqual([]);
      },
    );

    // Right after the axe test, which saw the summaries current in the hidden tab: quick, so that the event log (300
    // lines) does not fill up before the next test counts its new lines.
    it.skipIf(underLimits)(
      "draws the charts' plots only once their tab is opened, not every second while it is hidden",
      inTurn,
      async ({ expect }) => {
        expect(await page.locator('.chart-rps .summary').innerText()).toMatch(/web-0\d/);
        expect(await page.locator('.charts canvas').count()).toBe(0);
        // Nor is uPlot's code loaded before: its evaluation would have been taken from the sandbox's start.
        const uPlotLoaded = () =>
          page.evaluate(() => performance.getEntriesByType('resource').filter((r) => /uPlot/i.test(r.name)).length);
        expect(await uPlotLoaded()).toBe(0);
        await page.getByRole('tab', { name: 'Charts' }).click();
        await expect.poll(() => page.locator('.chart-rps canvas').count(), { timeout: 5_000 }).toBeGreaterThan(0);
        expect(await uPlotLoaded()).toBeGreaterThan(0);
        expect((await page.locator('.chart-rps canvas').first().boundingBox())!.width).toBeGreaterThan(100);
        await page.getByRole('tab', { name: 'Exercises' }).click(); // as the next steps expect it, with the load still on
      },
    );

    it(
      'kills a web server by click: DOWN after the configured checks, and new requests go to the other one',
      inTurn,
      async ({ expect }) => {
        await setLoad(page, 5); // traffic to see where new requests go (already flowing after the axe test)
        // The event log is a tab beside the terminal, with the exercises.
        await page.getByRole('tab', { name: 'Event log' }).click();
        await page.locator('.event-log input[value="request"]').check();
        await page.getByRole('tab', { name: 'Exercises' }).click();
        await node(page, 'web-01').click();
        await page.getByRole('menuitem', { name: 'Kill web-01 (kill -9)' }).click();
        await expect.poll(() => label(page, 'web-01'), { timeout: 10_000 }).toMatch(/; STOPPED; /);
        // haproxy.cfg: check inter 1s fall 3: three failed checks, about 3 s (generous on a loaded machine).
        await expect.poll(() => label(page, 'web-01'), { timeout: 20_000 }).toMatch(/; LB: DOWN(;|$)/);
        const downAt = (await logLines(page)).length;
        await expect
          .poll(async () => (await logLines(page)).slice(downAt).filter((l) => / be_app\/web-02 /.test(l)).length, {
            timeout: 15_000,
          })
          .toBeGreaterThanOrEqual(5);
        expect((await logLines(page)).slice(downAt).filter((l) => / be_app\/web-01 /.test(l))).toEqual([]);

        await node(page, 'web-01').click();
        await page.getByRole('menuitem', { name: 'Start web-01' }).click();
        await expect.poll(() => label(page, 'web-01'), { timeout: 30_000 }).toMatch(/; running; LB: UP(;|$)/);
      },
    );

    it('freezes and resumes a node with the keyboard alone, through the node menu', inTurn, async ({ expect }) => {
      await page.locator('select.load').focus();
      for (
        let i = 0;
        i < 20 && (await page.evaluate(() => document.activeElement?.getAttribute('data-node'))) !== 'web-02';
        i++
      ) {
        await page.keyboard.press('Tab');
      }
      expect(await page.evaluate(() => document.activeElement?.getAttribute('data-node'))).toBe('web-02');
      await page.keyboard.press('Enter');
      const menu = page.getByRole('menu', { name: 'Actions for web-02' });
      await expect.poll(() => menu.isVisible(), { timeout: 10_000 }).toBe(true);
      await page.keyboard.press('Escape');
      await expect.poll(() => menu.isVisible(), { timeout: 10_000 }).toBe(false);
      expect(await page.evaluate(() => document.activeElement?.getAttribute('data-node'))).toBe('web-02');

      await page.keyboard.press('Enter');
      await page.keyboard.press('ArrowDown'); // Kill → Freeze
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Freeze web-02 (SIGSTOP)');
      await page.keyboard.press('Enter');
      await expect.poll(() => label(page, 'web-02'), { timeout: 10_000 }).toMatch(/; FROZEN/);
      // The balancer's checks time out against the hung process.
      await expect.poll(() => label(page, 'web-02'), { timeout: 30_000 }).toMatch(/LB: (UP \d\/\d|DOWN)/);
      expect(await page.evaluate(() => document.activeElement?.getAttribute('data-node'))).toBe('web-02');

      await page.keyboard.press('Enter');
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Resume web-02 (SIGCONT)');
      await page.keyboard.press('Enter');
      await expect.poll(() => label(page, 'web-02'), { timeout: 10_000 }).toMatch(/; running/);
      await expect.poll(() => label(page, 'web-02'), { timeout: 30_000 }).toMatch(/; LB: UP(;|$)/);
    });

    it.skipIf(underLimits)(
      'gives hints one at a time and the solution only after a confirmation; p toggles presenter mode',
      inTurn,
      async ({ expect }) => {
        const goal = page.locator('.exercises [data-goal="survive-a-dead-server"]');
        await goal.getByRole('button', { name: /^Show a hint \(1 of \d\)$/ }).click();
        expect(await goal.locator('.hints li').count()).toBe(1);
        await goal.getByRole('button', { name: /^Show a hint \(2 of \d\)$/ }).click();
        expect(await goal.locator('.hints li').count()).toBe(2);
        await goal.getByRole('button', { name: 'Show the solution' }).click();
        expect(await goal.locator('.solution-text').isVisible()).toBe(false);
        await goal.getByRole('button', { name: 'Yes, show the solution' }).click();
        expect(await goal.locator('.solution-text pre').innerText()).toContain('infra kill web-01');

        await node(page, 'web-01').focus();
        await page.keyboard.press('p');
        expect(await page.locator('[data-sandbox]').getAttribute('class')).toContain('presenter');
        expect(await page.getByRole('button', { name: 'Presenter mode' }).getAttribute('aria-pressed')).toBe('true');
        await page.keyboard.press('Escape');
        expect(await page.locator('[data-sandbox]').getAttribute('class')).not.toContain('presenter');
      },
    );

    it.skipIf(underLimits)(
      'marks an exercise goal complete when it is met, and keeps it complete after a reload',
      inTurn,
      async ({ expect }) => {
        const goal = (p: Page) => p.locator('.exercises [data-goal="both-answer"]');
        // The load through lb-01 has had both servers answer in turn.
        await expect.poll(() => goal(page).getAttribute('data-state'), { timeout: 20_000 }).toBe('done');
        expect(await goal(page).locator('.goal-status').innerText()).toBe('✔ Done');
        await setLoad(page, 0);
        await page.reload();
        await startSandbox(page.locator('[data-sandbox]'));
        await expect
          .poll(() => page.locator('[data-sandbox]').getAttribute('data-views'), { timeout: UP_MS })
          .toBe('ready');
        await expect.poll(() => goal(page).getAttribute('data-state'), { timeout: 10_000 }).toMatch(/^done/);
        expect(await page.locator('.lesson-progress').first().innerText()).toMatch(/[1-3]\/3/);
        await page.close();
      },
    );

    it.skipIf(underLimits)(
      'animates requests as moving tokens, and only as discrete updates under reduced motion',
      inTurn,
      async ({ expect }) => {
        const moving = await open(expect, '/overview/');
        await setLoad(moving, 20);
        await expect
          .poll(() => moving.locator('.topology-stage .flows .token').count(), { timeout: UP_MS, interval: 100 })
          .toBeGreaterThan(0);
        // Each token is on its way: on a link of the picture (clients → lb-01 → a web server), as drawn on screen.
        const offPath = await moving.evaluate(() => {
          const centre = (e: Element) => {
            const r = e.getBoundingClientRect();
            return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
          };
          const node = (name: string) => centre(document.querySelector(`svg.topology [data-node="${name}"] .outline`)!);
          const clients = centre(document.querySelector('svg.topology .role-client .outline')!);
          const links = [
            [clients, node('lb-01')],
            [node('lb-01'), node('web-01')],
            [node('lb-01'), node('web-02')],
          ];
          // The distance from p to the segment a-b, in CSS pixels.
          const distance = (p: { x: number; y: number }, [a, b]: (typeof links)[number]) => {
            const [dx, dy] = [b.x - a.x, b.y - a.y];
            const t = Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / (dx * dx + dy * dy)));
            return Math.hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
          };
          const tokens = [...document.querySelectorAll('.topology-stage .flows .token .mark-box')].map(centre);
          return { tokens: tokens.length, off: tokens.map((p) => Math.min(...links.map((l) => distance(p, l)))) };
        });
        expect(offPath.tokens).toBeGreaterThan(0);
        expect(Math.max(...offPath.off), 'the farthest token from any link, in px').toBeLessThan(3);
        await setLoad(moving, 0);
        await moving.close();

        const still = await open(expect, '/overview/', 'reduce');
        await setLoad(still, 20);
        await expect
          .poll(() => label(still, 'web-02'), { timeout: UP_MS })
          .toMatch(/; [1-9]\d* req\/s( · \d+\/\d+ busy)?$/);
        const tokens: number[] = [];
        for (let i = 0; i < 10; i++) {
          tokens.push(await still.locator('.topology-stage .flows .token').count());
          await still.waitForTimeout(100);
        }
        expect(tokens.every((n) => n === 0)).toBe(true);
        await setLoad(still, 0);
        await still.close();
        expect(errors).toEqual([]);
      },
    );
  });

  describe('the chaos button', { concurrent: true }, () => {
    it(
      'runs the chaos sequence: each fault shows in the picture and the log, every node ends UP; the timeline replays it',
      { timeout: CHAOS_MS },
      async ({ expect }) => {
        const chaos = await open(expect, '/overview/');
        await expect.poll(() => label(chaos, 'web-02'), { timeout: UP_MS }).toMatch(/; running; LB: UP(;|$)/);
        const status = chaos.locator('.views-status');
        const button = chaos.getByRole('button', { name: 'Chaos', exact: true });
        await button.click();
        expect(await button.getAttribute('aria-pressed')).toBe('true');
        // A step's effect is waited for until the next step is due, plus a node's start and rise × inter (1 s) of
        // checks on a loaded machine.
        const until = (step: number) => ({ timeout: script[step + 1].at_ms - script[step].at_ms + 20_000 });
        await expect.poll(() => status.innerText(), until(0)).toBe(`Chaos 1/${script.length}: ${script[0].says}`);
        await expect.poll(() => label(chaos, 'web-01'), until(0)).toMatch(/; FROZEN; /);
        await expect.poll(() => label(chaos, 'web-01'), { timeout: script[2].at_ms + 10_000 }).toMatch(/; running; /);

        // web-02 killed: DOWN after fall × inter (3 × 1 s). The timeline's position then is replayed below.
        await expect.poll(() => label(chaos, 'web-02'), { timeout: script[2].at_ms + 10_000 }).toMatch(/; STOPPED; /);
        await expect.poll(() => label(chaos, 'web-02'), until(2)).toMatch(/; LB: DOWN(;|$)/);
        const timeline = chaos.locator('.timeline input[type="range"]');
        const whileDown = Number(await timeline.getAttribute('max'));
        await expect.poll(() => label(chaos, 'web-02'), until(3)).toMatch(/; running; LB: UP(;|$)/);

        await expect.poll(() => chaos.locator('svg.topology .edge.cut').count(), until(4)).toBe(1);
        await expect.poll(() => chaos.locator('svg.topology .edge.cut').count(), until(4)).toBe(0);
        await expect.poll(() => button.getAttribute('aria-pressed'), until(4)).toBe('false');
        expect(await status.innerText()).toBe(`Chaos ${script.length}/${script.length}: ${script.at(-1)!.says}`);
        for (const name of ['web-01', 'web-02'])
          await expect.poll(() => label(chaos, name), { timeout: 20_000 }).toMatch(/; running; LB: UP(;|$)/);

        // The log tells the same story, in order (with other lines between).
        const story = [
          /web-01 is frozen/,
          /web-01 resumed/,
          /web-02 stopped: killed by SIGKILL/,
          /Server be_app\/web-02 is DOWN/,
          /web-02 started on 10\.0\.0\.12/,
          /Server be_app\/web-02 is UP/,
          /The link between lb-01 and web-01 is cut/,
          /The link between lb-01 and web-01 is healed/,
        ];
        const toldSoFar = async () => {
          let told = 0;
          for (const line of await logLines(chaos)) if (told < story.length && story[told].test(line)) told++;
          return told;
        };
        await expect.poll(toldSoFar, { timeout: 10_000 }).toBe(story.length);
        const logged = async (line: RegExp) => (await logLines(chaos)).some((l) => line.test(l));

        // Scrub back to when web-02 was DOWN: the picture and the log show that moment, not what came after.
        await chaos.getByRole('tab', { name: 'Timeline' }).click();
        await timeline.fill(String(whileDown));
        expect(await chaos.locator('.timeline output').innerText()).toMatch(
          new RegExp(`^Replay: event ${whileDown} of \\d+`),
        );
        await expect.poll(() => label(chaos, 'web-02'), { timeout: 10_000 }).toMatch(/; STOPPED; LB: DOWN(;|$)/);
        await expect.poll(() => logged(story[6]), { timeout: 10_000 }).toBe(false);
        expect(await chaos.locator('svg.topology .edge.cut').count()).toBe(0);
        // Back to live: the state now.
        await chaos.getByRole('button', { name: 'Live', exact: true }).click();
        expect(await chaos.locator('.timeline output').innerText()).toMatch(/^Live: /);
        await expect.poll(() => label(chaos, 'web-02'), { timeout: 10_000 }).toMatch(/; running; LB: UP(;|$)/);
        await expect.poll(() => logged(story[6]), { timeout: 10_000 }).toBe(true);
        await chaos.close();
        expect(errors).toEqual([]);
      },
    );
  });
});
