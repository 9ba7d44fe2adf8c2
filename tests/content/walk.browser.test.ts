// Each lesson walked as a newcomer would, in Chromium with the local runtime: open the lesson, start its sandbox,
// answer the lesson's prediction in the exercise panel, do that exercise through the terminal and see the run's
// measured value beside the prediction; then take on the lesson's challenge (a "find it / fix it" goal) and see the
// panel mark it done. Goals and measures are checked by the supervisor from what really happened (requests served,
// nodes killed, writes replayed), never from what was typed.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Goal, Prediction, Scenario } from '../../sandboxes/contracts/scenario';
import { chromiumPath } from '../browser/chromium';
import { courseInChromium } from '../browser/course-in-chromium';
import { startSandbox } from '../browser/start-sandbox';
import type { SandboxEvent } from '../../sandboxes/contracts/events/index';
import { awaited, steps, type Step } from '../support/solution';
import { COURSE, TEMPLATE_LESSONS, type Outline } from './course';
import { pathOf, root } from './lessons';
import { serveCopyOfBuiltSite } from './site';

/** One exercise of a walk: a goal and its solution's steps (a "# wait ..." at the end left out: the walk waits for the goal). */
interface Exercise {
  scenario: Scenario;
  goal: Goal;
  steps: Step[];
}

const load = async (name: string) => (await import(`../../sandboxes/scenarios/${name}.ts`)).default as Scenario;
const typed = (scenario: Scenario, goal: Goal) => {
  const all = steps(scenario, goal);
  while (all.at(-1)?.kind === 'wait') all.pop();
  return all;
};
const exercise = (scenario: Scenario, goal: Goal): Exercise => ({ scenario, goal, steps: typed(scenario, goal) });

/**
 * What a lesson's walk does, in the order the lesson embeds its sandboxes: its first challenge, and a prediction tied
 * to a goal (the challenge's own when it has one, so one run shows both; else the first). A lesson with neither walks
 * its first exercise.
 */
async function walkOf(
  outline: Outline,
): Promise<{ predicted?: Exercise & { prediction: Prediction }; challenge?: Exercise; first?: Exercise }> {
  const scenarios = await Promise.all(outline.scenarios.map(load));
  const walk: Awaited<ReturnType<typeof walkOf>> = {};
  for (const scenario of scenarios) {
    const challenge = scenario.goals.find((g) => g.challenge);
    if (!walk.challenge && challenge) walk.challenge = exercise(scenario, challenge);
  }
  const predictions = scenarios.flatMap((scenario) =>
    (scenario.predictions ?? []).flatMap((prediction) => {
      const goal = scenario.goals.find((g) => g.id === prediction.goal);
      return goal ? [{ ...exercise(scenario, goal), prediction }] : [];
    }),
  );
  walk.predicted = predictions.find((p) => p.goal === walk.challenge?.goal) ?? predictions[0];
  // The challenge's own prediction: its run measures it, no second exercise needed.
  if (walk.predicted?.goal === walk.challenge?.goal) walk.challenge = undefined;
  if (!walk.predicted && !walk.challenge) walk.first = exercise(scenarios[0], scenarios[0].goals[0]);
  return walk;
}

// Lessons whose scenarios exist; tests/content/scenarios.test.ts fails for a lesson whose scenario is missing.
const walkable = COURSE.filter((o) =>
  o.scenarios.every((s) => existsSync(join(root, 'sandboxes', 'scenarios', `${s}.ts`))),
);

describe.skipIf(!chromiumPath)('each lesson walked by a newcomer', () => {
  const course = courseInChromium(serveCopyOfBuiltSite);

  async function open(path: string): Promise<Page> {
    const page = await course.browser.newPage({ viewport: { width: 1280, height: 900 } });
    // Diagrams and search are not part of this walk: leave the two CPUs to the sandbox.
    await page.route(/mermaid|pagefind/, (route) => route.abort());
    // The stream's events as the panel receives them, for a solution's "# wait ..." steps.
    await page.addInitScript(() => {
      const seen: unknown[] = ((window as unknown as { walkEvents: unknown[] }).walkEvents = []);
      addEventListener('sandbox:event', (e) => seen.push((e as CustomEvent).detail), true);
      // How many times a prediction's form was built, for a failure's report: a rebuild clears a choice made.
      const built: Record<string, number> = ((window as unknown as { walkPredictions: object }).walkPredictions = {});
      new MutationObserver((changes) => {
        for (const added of changes.flatMap((c) => [...c.addedNodes]))
          if (added instanceof HTMLElement && added.dataset.prediction)
            built[added.dataset.prediction] = (built[added.dataset.prediction] ?? 0) + 1;
      }).observe(document, { childList: true, subtree: true });
    });
    await page.goto(new URL(`${path}?runtime=local`, course.server.url).href);
    return page;
  }

  /** The terminal's text as xterm.js rendered it. It renders only while on screen, and the panel's views grow as
   * they mount, which can push the terminal out of view: scroll it back before every read. */
  const screen = async (sandbox: Locator) => {
    await sandbox.locator('.xterm').scrollIntoViewIfNeeded();
    return sandbox.locator('.xterm-rows').innerText();
  };
  const sandboxOf = (page: Page, scenario: Scenario) =>
    page.locator(`[data-sandbox][data-scenario="${scenario.name}"]`);

  /**
   * Until the sandbox is up as a newcomer sees it: every node running, but those the scenario freezes as it starts
   * (its `faults`), which are frozen; and a MASTER where keepalived runs.
   */
  async function ready(page: Page, scenario: Scenario): Promise<void> {
    const sandbox = sandboxOf(page, scenario);
    const frozen = scenario.faults.flatMap((fault) => (fault.cmd === 'freeze' ? [fault.node] : []));
    const shown = () =>
      Promise.all(['running', 'frozen'].map((state) => sandbox.locator(`g.node.process-${state}`).count()));
    await expect
      .poll(shown, { timeout: 60_000 })
      .toEqual([scenario.nodes.filter((n) => !n.stopped).length - frozen.length, frozen.length]);
    if (Object.keys(scenario.files).some((f) => f.startsWith('keepalived'))) {
      const badge = sandbox.locator('.vip-badge .vip-text').first();
      await expect.poll(() => badge.textContent().catch(() => ''), { timeout: 30_000 }).toMatch(/^VIP [\d.]+$/);
    }
  }

  /** Types an exercise's solution into the terminal and waits for the panel to mark its goal done. */
  async function solve(page: Page, { scenario, goal, steps }: Exercise): Promise<void> {
    const sandbox = sandboxOf(page, scenario);
    const item = sandbox.locator(`li.goal[data-goal="${goal.id}"]`);
    await expect.poll(() => item.count(), { timeout: 20_000 }).toBe(1);
    expect(await item.getAttribute('data-state')).toBe('open');
    // A challenge says so in words, above its symptom.
    if (goal.challenge) expect(await item.locator('.goal-badge').innerText()).toMatch(/^challenge: find it, fix it$/i);
    await sandbox.locator('.xterm').click();
    // First look around, as the lessons suggest: `infra status` answers once the whole topology is up.
    await page.keyboard.type('infra status');
    await page.keyboard.press('Enter');
    await expect.poll(() => screen(sandbox), { timeout: 60_000 }).toMatch(/Goals met: \d+\/\d+/);
    const from = await page.evaluate(() => (window as unknown as { walkEvents: unknown[] }).walkEvents.length);
    for (const step of steps) {
      if (step.kind === 'wait') {
        // As a learner watches for it: the event the step names, after the solution began.
        const event = awaited(step);
        await expect
          .poll(
            async () =>
              (
                await page.evaluate(
                  (n) => (window as unknown as { walkEvents: SandboxEvent[] }).walkEvents.slice(n),
                  from,
                )
              ).some(event),
            { timeout: 45_000 },
          )
          .toBe(true);
      } else if (step.kind === 'command') {
        await page.keyboard.type(step.line);
        await page.keyboard.press('Enter');
      } else if (step.kind === 'edit') {
        await page.keyboard.type(`edit ${step.file}`);
        await page.keyboard.press('Enter');
        await expect.poll(() => screen(sandbox), { timeout: 20_000 }).toContain(`edit  ${step.file}`); // the editor is open
        for (const key of step.keys)
          await ('press' in key ? page.keyboard.press(key.press) : page.keyboard.type(key.text));
        await expect.poll(() => screen(sandbox), { timeout: 20_000 }).toContain(`Saved ${step.file}.`);
      }
    }
    await expect.poll(async () => item.getAttribute('data-state'), { timeout: 45_000, interval: 500 }).toBe('done');
    expect(await item.locator('.goal-status').innerText()).toBe('✔ Done');
  }

  /** Answers a prediction as a learner does: a number typed, or the first choice, then "Lock in my prediction". */
  async function predict(page: Page, scenario: Scenario, prediction: Prediction): Promise<Locator> {
    const form = sandboxOf(page, scenario).locator(`[data-prediction="${prediction.id}"]`);
    await expect.poll(() => form.count(), { timeout: 20_000 }).toBe(1);
    if (prediction.kind.type === 'number') await form.getByRole('spinbutton').fill('3');
    else await form.getByRole('radio').first().check();
    await form.getByRole('button', { name: 'Lock in my prediction' }).click();
    await expect
      .poll(() => form.locator('.predict-result').innerText())
      .toMatch(/^You predicted .+\. Now do it: your run will measure it\.$/);
    return form;
  }

  // Each wait above is generous for a busy two-core machine; the test's own limit is above their sum, so a slow
  // step fails with what the learner would have seen, not with a bare timeout.
  const cases = walkable.map((o) => [o.slug, o] as const);
  it.each(cases)(
    '%s: a prediction answered and measured, and a challenge solved, through the terminal',
    { timeout: 420_000 },
    async (slug, outline) => {
      const walk = await walkOf(outline);
      if (TEMPLATE_LESSONS.includes(outline)) {
        expect(
          walk.predicted,
          `${slug}: no prediction of ${outline.scenarios.join(', ')} comes before a goal`,
        ).toBeDefined();
        expect(
          walk.challenge ?? (walk.predicted?.goal.challenge ? walk.predicted : undefined),
          `${slug}: no challenge in ${outline.scenarios.join(', ')}`,
        ).toBeDefined();
      }
      const page = await open(pathOf(slug));
      let doing: Exercise | undefined;
      try {
        let done: Exercise | undefined;
        const start = async (scenario: Scenario) => {
          const sandbox = sandboxOf(page, scenario);
          if (done?.scenario === scenario) {
            // The same sandbox again: back to its starting state with the panel's "Reset lab"; the goal just met
            // then reads as met in an earlier run.
            await sandbox.getByRole('button', { name: 'Reset lab' }).click();
            await expect
              .poll(() => sandbox.locator(`li.goal[data-goal="${done!.goal.id}"]`).getAttribute('data-state'), {
                timeout: 60_000,
              })
              .toBe('done-before');
          } else {
            await startSandbox(sandbox);
            await expect.poll(() => screen(sandbox), { timeout: 75_000 }).toContain("Type 'help'");
          }
          await ready(page, scenario);
        };
        if (walk.predicted) {
          doing = walk.predicted;
          await start(doing.scenario);
          const form = await predict(page, doing.scenario, walk.predicted.prediction);
          await solve(page, doing);
          await expect
            .poll(() => form.locator('.predict-result').innerText(), { timeout: 30_000 })
            .toMatch(/^You predicted .+; your run measured .+\.$/);
          done = doing;
        }
        for (const next of [walk.challenge, walk.first]) {
          if (!next) continue;
          doing = next;
          await start(next.scenario);
          await solve(page, next);
          done = next;
        }
      } catch (error) {
        // What the learner would have seen, to tell a slow machine from a broken lesson.
        const sandbox = doing && sandboxOf(page, doing.scenario);
        const terminal = sandbox ? await screen(sandbox).catch(() => '(no terminal)') : '(not started)';
        const check = sandbox
          ? await sandbox
              .locator(`li.goal[data-goal="${doing!.goal.id}"] .goal-check`)
              .innerText()
              .catch(() => '(no goal)')
          : '';
        // A prediction's state, its error line and how often its form was built.
        const prediction = sandbox
          ? await sandbox
              .locator('[data-prediction]')
              .evaluateAll((forms) =>
                forms.map(
                  (f) =>
                    `${(f as HTMLElement).dataset.prediction}: ${(f as HTMLElement).dataset.state}, built ${(window as unknown as { walkPredictions: Record<string, number> }).walkPredictions[(f as HTMLElement).dataset.prediction!]} time(s); error: '${f.querySelector('.predict-error')?.textContent}'; checked: ${f.querySelectorAll('input:checked').length}`,
                ),
              )
              .catch(() => ['(none)'])
          : [];
        throw new Error(
          `${slug} / ${doing?.scenario.name} / ${doing?.goal.id}: ${(error as Error).message}\n--- goal check ---\n${check}\n--- prediction ---\n${prediction.join('\n')}\n--- terminal ---\n${terminal}`,
        );
      } finally {
        await page.close();
      }
    },
  );
});
