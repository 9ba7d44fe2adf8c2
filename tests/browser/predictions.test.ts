// Predict, then observe, in a real browser (Debian's Chromium) against the served course and the local runtime:
// on the load-balancer lesson the learner types a prediction with the keyboard, locks it, causes the event (load at
// 20 requests/s and web-01 killed from its node menu), and sees the prediction beside the value their run measured;
// the page stays accessible; a reset clears the measured value and keeps the prediction. On the round-robin lesson a
// choice is made in a radio group with the arrow keys and answered by a load.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { serveBuiltCourse } from '../support/site';
import { axeViolations } from './axe';
import { chromiumPath } from './chromium';
import { courseInChromium } from './course-in-chromium';
import { startSandbox } from './start-sandbox';

/** Starting a topology on a busy 2-core machine: several processes, each a Node start. */
const UP_MS = 40_000;
const TEST_MS = 120_000;

describe.skipIf(!chromiumPath)('a prediction in Chromium', () => {
  let page: Page;
  const errors: string[] = [];
  const course = courseInChromium(serveBuiltCourse);
  const prediction = () => page.locator('.exercises [data-prediction="failures-before-down"]');
  const result = () => prediction().locator('.predict-result').innerText();
  // The lesson's first sandbox; its second (a challenge) is not started.
  const sandbox = () => page.locator('[data-sandbox][data-scenario="server-dies"]');

  it(
    'asks the question with a labelled number field before the goal, and locks the answer typed with the keyboard',
    async () => {
      page = await course.browser.newPage();
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(new URL('/load-balancer/', course.server.url).href);
      await startSandbox(sandbox());
      await expect.poll(() => sandbox().getAttribute('data-views'), { timeout: UP_MS }).toBe('ready');
      await expect.poll(() => prediction().count(), { timeout: UP_MS }).toBe(1);
      // Inside the goal it comes before: its question is the field's accessible name.
      expect(
        await page
          .locator('.exercises .goal[data-goal="no-failed-request"] [data-prediction="failures-before-down"]')
          .count(),
      ).toBe(1);
      const field = page.getByRole('spinbutton', { name: /How many requests fail before lb-01 marks web-01 DOWN\?/ });
      await field.focus();
      await page.keyboard.type('12');
      await page.keyboard.press('Enter');
      await expect.poll(result).toBe('You predicted 12 requests. Now do it: your run will measure it.');
      expect(await field.isVisible()).toBe(false);
      // The change button takes the focus, so a keyboard user is not left on a hidden field.
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Change my prediction');
      expect(await page.evaluate(() => localStorage.getItem('course-predictions:v1'))).toBe(
        '{"server-dies":{"failures-before-down":"12"}}',
      );
      expect(await axeViolations(page)).toEqual([]);
    },
    TEST_MS,
  );

  it(
    'shows the prediction beside the value measured once web-01, killed under load, is marked DOWN',
    async () => {
      await sandbox().locator('select.load').selectOption('20');
      await sandbox().locator('svg.topology [data-node="web-01"]').click();
      await page.getByRole('menuitem', { name: 'Kill web-01 (kill -9)' }).click();
      // fall 3 × inter 1 s: DOWN 2 to 3 s after the kill; generous on a loaded machine.
      await expect
        .poll(result, { timeout: 30_000 })
        .toMatch(
          /^You predicted 12 requests; your run measured \d+ requests \(of the \d+ requests lb-01 took in during the [\d.]+ s from web-01's death to DOWN, \d+ failed\)\.$/,
        );
      const [measured, window] = /measured (\d+) requests.* during the ([\d.]+) s/
        .exec(await result())!
        .slice(1)
        .map(Number);
      expect(measured).toBeGreaterThan(0);
      expect(measured).toBeLessThanOrEqual(Math.ceil(20 * window) + 1);
      await sandbox().locator('select.load').selectOption('0');
      expect(await axeViolations(page)).toEqual([]);
    },
    TEST_MS,
  );

  it(
    'a reset clears the measured value and keeps the prediction',
    async () => {
      await page.getByRole('button', { name: 'Reset lab' }).click();
      await expect
        .poll(result, { timeout: UP_MS })
        .toBe('You predicted 12 requests. Now do it: your run will measure it.');
      expect(await page.evaluate(() => localStorage.getItem('course-predictions:v1'))).toBe(
        '{"server-dies":{"failures-before-down":"12"}}',
      );
      expect(errors).toEqual([]);
    },
    TEST_MS,
  );

  it(
    'asks a choice as a radio group, chosen with the arrow keys, and answers it from a load',
    async () => {
      page = await course.browser.newPage();
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(new URL('/round-robin/', course.server.url).href);
      const sandbox = page.locator('[data-sandbox][data-scenario="uneven-servers"]');
      await startSandbox(sandbox);
      await expect.poll(() => sandbox.getAttribute('data-views'), { timeout: UP_MS }).toBe('ready');
      const choice = sandbox.locator('[data-prediction="slow-server-share"]');
      const group = choice.getByRole('group', {
        name: /Under round robin, what share of the requests does web-02 get\?/,
      });
      await group.getByRole('radio', { name: 'less than half' }).focus();
      await page.keyboard.press('ArrowDown'); // the next option, as in any radio group
      expect(await group.getByRole('radio', { name: 'about half' }).isChecked()).toBe(true);
      await page.keyboard.press('Enter');
      await expect
        .poll(() => choice.locator('.predict-result').innerText())
        .toBe('You predicted about half. Now do it: your run will measure it.');
      // The whole page, its other (unstarted) sandbox included: each sandbox's landmarks are named after it.
      expect(await axeViolations(page)).toEqual([]);
      await sandbox.locator('select.load').selectOption('20');
      // 30 requests at 20 per second, with the slow web-02's answers 300 ms late.
      await expect
        .poll(() => choice.locator('.predict-result').innerText(), { timeout: 30_000 })
        .toMatch(
          /^You predicted about half; your run measured about half \(web-02 served 1[4-6] of the first 30 requests through lb-01 under round robin \(\d+%\)\)\.$/,
        );
      await sandbox.locator('select.load').selectOption('0');
      expect(errors).toEqual([]);
    },
    TEST_MS,
  );
});
