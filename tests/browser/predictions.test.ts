// Predict, then observe, in a real browser (Debian's Chromium) against the served course and the local runtime:
// on the load-balancer lesson the learner types a prediction with the keyboard, locks it, causes the event (load at
// 20 requests/s and web-01 killed from its node menu), and sees the prediction beside the value their run measured;
// the page stays accessible; a reset clears the measured value and keeps the prediction.
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

  it('asks the question with a labelled number field before the goal, and locks the answer typed with the keyboard', async () => {
    page = await course.browser.newPage();
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(new URL('/load-balancer/', course.server.url).href);
    await startSandbox(page.locator('[data-sandbox]'));
    await expect.poll(() => page.locator('[data-sandbox]').getAttribute('data-views'), { timeout: UP_MS }).toBe('ready');
    await expect.poll(() => prediction().count(), { timeout: UP_MS }).toBe(1);
    // Inside the goal it comes before: its question is the field's accessible name.
    expect(await page.locator('.exercises .goal[data-goal="no-failed-request"] [data-prediction="failures-before-down"]').count()).toBe(1);
    const field = page.getByRole('spinbutton', { name: /How many requests fail before lb-01 marks web-01 DOWN\?/ });
    await field.focus();
    await page.keyboard.type('12');
    await page.keyboard.press('Enter');
    await expect.poll(result).toBe('You predicted 12 requests. Now do it: your run will measure it.');
    expect(await field.isVisible()).toBe(false);
    // The change button takes the focus, so a keyboard user is not left on a hidden field.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Change my prediction');
    expect(await page.evaluate(() => localStorage.getItem('course-predictions:v1'))).toBe('{"server-dies":{"failures-before-down":"12"}}');
    expect(await axeViolations(page)).toEqual([]);
  }, TEST_MS);

  it('shows the prediction beside the value measured once web-01, killed under load, is marked DOWN', async () => {
    await page.locator('select.load').selectOption('20');
    await page.locator('svg.topology [data-node="web-01"]').click();
    await page.getByRole('menuitem', { name: 'Kill web-01 (kill -9)' }).click();
    // fall 3 × inter 1 s: DOWN 2 to 3 s after the kill; generous on a loaded machine.
    await expect
      .poll(result, { timeout: 30_000 })
      .toMatch(/^You predicted 12 requests; your run measured \d+ requests \(of the \d+ requests lb-01 took in during the [\d.]+ s from web-01's death to DOWN, \d+ failed\)\.$/);
    const [measured, window] = /measured (\d+) requests.* during the ([\d.]+) s/.exec(await result())!.slice(1).map(Number);
    expect(measured).toBeGreaterThan(0);
    expect(measured).toBeLessThanOrEqual(Math.ceil(20 * window) + 1);
    await page.locator('select.load').selectOption('0');
    expect(await axeViolations(page)).toEqual([]);
  }, TEST_MS);

  it('a reset clears the measured value and keeps the prediction', async () => {
    await page.getByRole('button', { name: 'Reset lab' }).click();
    await expect.poll(result, { timeout: UP_MS }).toBe('You predicted 12 requests. Now do it: your run will measure it.');
    expect(await page.evaluate(() => localStorage.getItem('course-predictions:v1'))).toBe('{"server-dies":{"failures-before-down":"12"}}');
    expect(errors).toEqual([]);
  }, TEST_MS);
});
