// Each lesson walked as a newcomer would, in Chromium with the local runtime: open the lesson, wait for its sandbox,
// type the first exercise's solution into the terminal, and see the exercise panel mark that goal done. The goal is
// checked by the supervisor from what really happened (requests served, nodes killed, writes replayed).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Goal, Scenario } from '../../sandboxes/scenarios/scenario';
import { chromiumPath } from '../browser/chromium';
import { courseInChromium } from '../browser/course-in-chromium';
import { startSandbox } from '../browser/start-sandbox';
import { steps, type Step } from '../support/solution';
import { COURSE } from './course';
import { pathOf, root } from './lessons';
import { serveCopyOfBuiltSite } from './site';

/**
 * The exercise a newcomer does first in a lesson: the first goal, in the order the lesson embeds its sandboxes,
 * whose solution can be typed straight through (commands and edits; no "# wait until ..." for a person to judge).
 */
async function firstExercise(scenarios: string[]): Promise<{ scenario: string; goal: Goal; steps: Step[] } | undefined> {
  for (const name of scenarios) {
    const scenario = (await import(`../../sandboxes/scenarios/${name}.ts`)).default as Scenario;
    const goal = scenario.goals.find((g) => steps(scenario, g).every((step) => step.kind !== 'wait'));
    if (goal) return { scenario: name, goal, steps: steps(scenario, goal) };
  }
  return undefined;
}

// Lessons whose scenarios exist; tests/content/scenarios.test.ts fails for a lesson whose scenario is missing.
const walkable = COURSE.filter((o) => o.scenarios.every((s) => existsSync(join(root, 'sandboxes', 'scenarios', `${s}.ts`))));

describe.skipIf(!chromiumPath)('each lesson walked by a newcomer', () => {
  const course = courseInChromium(serveCopyOfBuiltSite);

  async function open(path: string): Promise<Page> {
    const page = await course.browser.newPage({ viewport: { width: 1280, height: 900 } });
    // Diagrams and search are not part of this walk: leave the two CPUs to the sandbox.
    await page.route(/mermaid|pagefind/, (route) => route.abort());
    await page.goto(new URL(`${path}?runtime=local`, course.server.url).href);
    return page;
  }

  /** The terminal's text as xterm.js rendered it. It renders only while on screen, and the panel's views grow as
   * they mount, which can push the terminal out of view: scroll it back before every read. */
  const screen = async (sandbox: Locator) => {
    await sandbox.locator('.xterm').scrollIntoViewIfNeeded();
    return sandbox.locator('.xterm-rows').innerText();
  };

  // Each wait below is generous for a busy two-core machine; the test's own limit is above their sum, so a slow
  // step fails with what the learner would have seen, not with a bare timeout.
  const cases = walkable.map((o) => [o.slug, o] as const);
  it.each(cases)('%s: the first exercise, done through the terminal, is checked', { timeout: 420_000 }, async (slug, outline) => {
    const exercise = await firstExercise(outline.scenarios);
    expect(exercise, `${slug}: no goal of ${outline.scenarios.join(', ')} can be typed straight through`).toBeDefined();
    const { scenario, goal, steps } = exercise!;
    const page = await open(pathOf(slug));
    try {
      const sandbox = page.locator(`[data-sandbox][data-scenario="${scenario}"]`);
      await startSandbox(sandbox);
      await expect.poll(() => screen(sandbox), { timeout: 75_000 }).toContain("Type 'help'");
      // As a newcomer looks at the topology before typing: every node of the scenario shown as running (but the
      // switched-off ones the learner is to start), and where
      // keepalived runs, a balancer holding the virtual IP (the lessons say to wait for the first MASTER).
      const { nodes, files } = (await import(`../../sandboxes/scenarios/${scenario}.ts`)).default as Scenario;
      await expect.poll(() => sandbox.locator('g.node.process-running').count(), { timeout: 60_000 }).toBe(nodes.filter((n) => !n.stopped).length);
      if (Object.keys(files).some((f) => f.startsWith('keepalived'))) {
        const badge = sandbox.locator('.vip-badge .vip-text').first();
        await expect.poll(() => badge.textContent().catch(() => ''), { timeout: 30_000 }).toMatch(/^VIP [\d.]+$/);
      }
      const item = sandbox.locator(`li.goal[data-goal="${goal.id}"]`);
      await expect.poll(() => item.count(), { timeout: 20_000 }).toBe(1);
      expect(await item.getAttribute('data-state')).toBe('open');

      await sandbox.locator('.xterm').click();
      // First look around, as the lessons suggest: `infra status` answers once the whole topology is up.
      await page.keyboard.type('infra status');
      await page.keyboard.press('Enter');
      await expect.poll(() => screen(sandbox), { timeout: 60_000 }).toMatch(/Goals met: 0\/\d+/);
      for (const step of steps) {
        if (step.kind === 'command') {
          await page.keyboard.type(step.line);
          await page.keyboard.press('Enter');
        } else if (step.kind === 'edit') {
          await page.keyboard.type(`edit ${step.file}`);
          await page.keyboard.press('Enter');
          await expect.poll(() => screen(sandbox), { timeout: 20_000 }).toContain(`edit  ${step.file}`); // the editor is open
          for (const key of step.keys) await ('press' in key ? page.keyboard.press(key.press) : page.keyboard.type(key.text));
          await expect.poll(() => screen(sandbox), { timeout: 20_000 }).toContain(`Saved ${step.file}.`);
        }
      }
      await expect
        .poll(async () => item.getAttribute('data-state'), { timeout: 45_000, interval: 500 })
        .toBe('done');
      expect(await item.locator('.goal-status').innerText()).toBe('✔ Done');
    } catch (error) {
      // What the learner would have seen, to tell a slow machine from a broken lesson.
      const sandbox = page.locator(`[data-sandbox][data-scenario="${scenario}"]`);
      const terminal = await screen(sandbox).catch(() => '(no terminal)');
      const check = await sandbox.locator(`li.goal[data-goal="${goal.id}"] .goal-check`).innerText().catch(() => '(no goal)');
      throw new Error(`${slug} / ${scenario} / ${goal.id}: ${(error as Error).message}\n--- goal check ---\n${check}\n--- terminal ---\n${terminal}`);
    } finally {
      await page.close();
    }
  });
});
