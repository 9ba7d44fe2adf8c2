// The lessons in a real browser (Debian's Chromium), served as `npm start` serves them: every diagram renders with
// its accessible name, every lesson's content passes axe, and the quiz works with the keyboard alone and tells its
// verdict in words.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { axeViolations } from '../browser/axe';
import { chromiumPath } from '../browser/chromium';
import { courseInChromium } from '../browser/course-in-chromium';
import { serveCopyOfBuiltSite } from './site';
import { loadLessons } from './lessons';

const lessons = loadLessons();
/** A ```mermaid fence as Starlight renders it, before its diagram is drawn. */
const FENCE = '.expressive-code:has(pre[data-language="mermaid"])';

describe.skipIf(!chromiumPath)('the lessons in Chromium', () => {
  const course = courseInChromium(serveCopyOfBuiltSite);

  /**
   * Opens a lesson without starting its sandbox (the bridge is blocked): these checks are about the lesson's own
   * content, and a sandbox per page would only compete for the two CPUs. Errors thrown by the page are recorded.
   */
  async function open(path: string): Promise<{ page: Page; errors: string[] }> {
    const page = await course.browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.route('**/__sandbox/**', (route) => route.abort());
    await page.goto(new URL(path, course.server.url).href);
    return { page, errors };
  }

  /** Waits for every ```mermaid block of the lesson to become an SVG with an accessible name and description. */
  async function expectDiagrams(page: Page, slug: string) {
    const expected = lessons.find((l) => l.slug === slug)!.blocks.filter((b) => b.lang === 'mermaid').length;
    expect(expected).toBeGreaterThan(0);
    // Each is drawn as it comes near the view (src/components/diagrams.ts): the learner scrolls to the next one.
    const fences = page.locator(FENCE);
    const scrollToNext = async () =>
      (await fences.count()) &&
      (await fences
        .first()
        .scrollIntoViewIfNeeded({ timeout: 1000 })
        .catch(() => {}));
    await expect
      .poll(async () => (await scrollToNext(), page.locator('.mermaid-diagram svg').count()), { timeout: 45_000 })
      .toBe(expected);
    for (const svg of await page.locator('.mermaid-diagram svg').all()) {
      expect(await svg.getAttribute('aria-labelledby'), `${slug}: diagram title`).toBeTruthy();
      expect(await svg.getAttribute('aria-describedby'), `${slug}: diagram description`).toBeTruthy();
    }
  }

  /** axe over the lesson's own content (the sandbox panel inside it is the sandbox UI's, tested with its pages). */
  function contentViolations(page: Page): Promise<string[]> {
    // landmark-unique is left to the site: Expressive Code makes every code block that scrolls sideways an unnamed
    // role="region" (its tabindex module), so on a narrow column two such blocks always collide.
    return axeViolations(
      page,
      { include: [['.sl-markdown-content']], exclude: [['[data-sandbox]']] },
      { rules: { 'landmark-unique': { enabled: false } } },
    );
  }

  // Two pages cover both diagram types (flowcharts in round-robin, a sequence diagram in primary-replica), tables,
  // code frames, cautions and the quiz; every diagram's syntax is parsed for all lessons in mermaid.test.ts.
  it('round-robin: its flowchart is drawn with an accessible name, and its content passes axe', async () => {
    const { page, errors } = await open('/round-robin/');
    try {
      await expectDiagrams(page, 'round-robin');
      expect(await contentViolations(page)).toEqual([]);
      expect(errors.filter((e) => /mermaid|diagram|quiz/i.test(e))).toEqual([]);
    } finally {
      await page.close();
    }
  }, 90_000);

  it('a diagram further down than a window ahead is not drawn, nor mermaid fetched, until the learner scrolls near it', async () => {
    const { page } = await open('/round-robin/');
    try {
      const scripts: string[] = [];
      page.on('request', (request) => request.resourceType() === 'script' && scripts.push(request.url()));
      const fence = page.locator(FENCE);
      const { top, height } = await fence.evaluate((element) => ({
        top: element.getBoundingClientRect().top,
        height: innerHeight,
      }));
      expect(top, 'the diagram starts more than two windows down').toBeGreaterThan(2 * height);
      await page.waitForLoadState('networkidle');
      await page.evaluate(() => new Promise((resolve) => requestIdleCallback(resolve)));
      expect(await fence.count()).toBe(1);
      expect(scripts.filter((url) => /mermaid/.test(url))).toEqual([]);
      await page.mouse.wheel(0, top - 1.5 * height);
      await expect.poll(() => page.locator('.mermaid-diagram svg').count(), { timeout: 45_000 }).toBe(1);
      expect(scripts.filter((url) => /mermaid/.test(url)).length).toBeGreaterThan(0);
    } finally {
      await page.close();
    }
  }, 90_000);

  it('primary-replica: its sequence diagram is drawn with an accessible name, and its content passes axe', async () => {
    const { page, errors } = await open('/primary-replica/');
    try {
      await expectDiagrams(page, 'primary-replica');
      expect(await contentViolations(page)).toEqual([]);
      expect(errors.filter((e) => /mermaid|diagram|quiz/i.test(e))).toEqual([]);
    } finally {
      await page.close();
    }
  }, 90_000);

  it('the glossary passes axe', async () => {
    const { page } = await open('/glossary/');
    try {
      expect(await contentViolations(page)).toEqual([]);
    } finally {
      await page.close();
    }
  }, 60_000);

  it('the quiz is answered with the keyboard alone and says right, wrong or unanswered in words, with why', async () => {
    const { page, errors } = await open('/load-balancer/');
    try {
      const first = page.locator('course-quiz .quiz-question').first();
      const feedback = first.locator('[data-quiz-feedback]');
      const answer = Number(await first.getAttribute('data-answer'));
      const options = first.locator('input[type=radio]');
      const count = await options.count();
      const wrong = (answer + 1) % count;

      // Nothing picked: Check says so, and the answer stays hidden.
      await first.getByRole('button', { name: 'Check answer' }).click();
      await expect.poll(() => feedback.innerText()).toBe('Pick one of the options first.');
      expect(await first.locator('details').getAttribute('open')).toBeNull();

      // Keyboard only: focus the first option, move with the arrow keys (a native radio group), Tab to the button.
      await options.first().focus();
      await page.keyboard.press('Space');
      for (let i = 0; i < wrong; i++) await page.keyboard.press('ArrowDown');
      expect(await options.nth(wrong).isChecked()).toBe(true);
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Check answer');
      await page.keyboard.press('Enter');
      // The verdict, then why the picked option is wrong, then the right one and why: all in the live region.
      const whyOf = (option: number) => first.locator(`[data-option="${option}"] .quiz-why`).innerText();
      await expect.poll(() => feedback.innerText()).toMatch(/^Not quite\. /);
      const said = await feedback.innerText();
      expect(said).toContain(await whyOf(wrong));
      expect(said).toContain('The right answer:');
      expect(said).toContain(await whyOf(answer));
      expect(await feedback.getAttribute('role')).toBe('status');
      expect(await first.locator('details').getAttribute('open')).not.toBeNull();
      // Every option's feedback is shown, each marked right or wrong in words.
      expect(await first.locator(`[data-option="${answer}"] .quiz-verdict`).innerText()).toMatch(/^Right:/);
      expect(await first.locator(`[data-option="${wrong}"] .quiz-verdict`).innerText()).toMatch(/^Wrong:/);

      await options.first().focus();
      await page.keyboard.press('Space');
      for (let i = 0; i < answer; i++) await page.keyboard.press('ArrowDown');
      expect(await options.nth(answer).isChecked()).toBe(true);
      await page.keyboard.press('Tab');
      await page.keyboard.press('Space');
      await expect.poll(() => feedback.innerText()).toMatch(/^Correct\. /);
      expect(await feedback.innerText()).toContain(await whyOf(answer));
      expect(await feedback.innerText()).not.toContain('The right answer:');
      expect(errors.filter((e) => /quiz/i.test(e))).toEqual([]);
    } finally {
      await page.close();
    }
  }, 60_000);
});
