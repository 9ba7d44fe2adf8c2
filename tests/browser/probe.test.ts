// The /probe/ page in Chromium against the served course: it boots the runtime the address names, runs the probe
// program with and without a terminal, and shows every row; every row the programs depend on passes, the report to
// copy holds every row, and the page is accessible. Also in the local runtime constrained as a WebContainer, where a
// needed row that fails would mean a program depends on something WebContainers lack.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { describeRuntime } from '../../src/runtime/select';
import { constraints } from '../support/constraints';
import { serveBuiltCourse } from '../support/site';
import { axeViolations } from './axe';
import { chromiumPath } from './chromium';
import { courseInChromium } from './course-in-chromium';

/** Both probe runs on a loaded two-core machine (40 process starts are most of it). */
const RUN_MS = 300_000;
const CONSTRAINED = '?runtime=local&constraints=webcontainer';

interface ShownRow {
  check: string;
  result: string;
  needed: string;
  figure: string;
  detail: string;
}

const shownRows = (page: Page) =>
  page.locator('[data-part="rows"] tr').evaluateAll((trs) =>
    trs.map((tr) => {
      const [result, needed, figure, detail] = [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '');
      return { check: tr.querySelector('th code')?.textContent ?? '', result, needed, figure, detail };
    }),
  );

/** The page's own figures, name → value. */
const shownFigures = (page: Page) =>
  page
    .locator('[data-part="figures"] dt')
    .evaluateAll((dts) => Object.fromEntries(dts.map((dt) => [dt.textContent, dt.nextElementSibling?.textContent])));

describe.skipIf(!chromiumPath)('the probe page in Chromium', () => {
  const course = courseInChromium(serveBuiltCourse);

  async function probe(search: string): Promise<{ page: Page; rows: ShownRow[]; errors: string[] }> {
    const context = await course.browser.newContext();
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(new URL(`/probe/${search}`, course.server.url).href);
    await expect
      .poll(() => page.locator('[data-probe]').getAttribute('data-state'), { timeout: RUN_MS - 20_000, interval: 1000 })
      .toBe('done');
    return { page, rows: await shownRows(page), errors };
  }

  function expectEveryNeededRowPasses(rows: ShownRow[]): void {
    const needed = rows.filter((row) => row.needed === 'yes');
    expect(needed.length).toBeGreaterThanOrEqual(10);
    expect(needed.filter((row) => row.result !== 'PASS')).toEqual([]);
  }

  it(
    'in the local runtime: every needed row passes, the terminal rows are there, the report holds every row, and axe finds nothing',
    async () => {
      const { page, rows, errors } = await probe('?runtime=local');
      expectEveryNeededRowPasses(rows);
      const byCheck = Object.fromEntries(rows.map((row) => [row.check, row]));
      // Plain pipes echo nothing; the constrained mode's line discipline echoes like a terminal (tests may run all pages constrained).
      expect(byCheck['input-echo']).toMatchObject({ result: 'INFO', figure: constraints ? 'echoed' : 'not echoed' });
      expect(byCheck['terminal-resize']).toMatchObject({
        result: 'PASS',
        figure: '97×29',
        detail: expect.stringMatching(/window-size report/),
      });
      expect(byCheck['terminal-raw-mode']).toMatchObject({ result: 'PASS' });
      expect(await page.locator('[data-part="summary"]').innerText()).toBe(
        `All ${rows.filter((row) => row.needed === 'yes').length} needed checks pass`,
      );
      expect(await shownFigures(page)).toMatchObject({
        crossOriginIsolated: 'true',
        runtime: describeRuntime({ kind: 'local', constraints }),
        'boot time': expect.stringMatching(/^\d+ ms$/),
        'performance.memory before': expect.stringMatching(/MB used of/),
        'performance.memory after': expect.stringMatching(/MB used of/),
      });

      const report = await page.locator('[data-part="report"]').inputValue();
      for (const row of rows) expect(report).toMatch(new RegExp(`^${row.result} ${row.check} `, 'm'));
      expect(report).toContain(`All ${rows.filter((row) => row.needed === 'yes').length} needed checks pass`);
      await page.getByRole('button', { name: 'Copy report' }).click();
      await expect.poll(() => page.locator('[data-part="copied"]').innerText()).toBe('Copied the report.');
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(report);

      // Not for search engines, the sidebar or the course's search.
      expect(await page.locator('meta[name="robots"]').getAttribute('content')).toBe('noindex');
      expect(await page.locator('#starlight__sidebar').count()).toBe(0);
      expect(await page.locator('[data-pagefind-body]').count()).toBe(0);

      expect(await axeViolations(page)).toEqual([]);
      expect(errors).toEqual([]);
      await page.context().close();
    },
    RUN_MS,
  );

  it(
    'in the local runtime constrained as a WebContainer: every needed row still passes, and the emulated limits show',
    async () => {
      const { page, rows, errors } = await probe(CONSTRAINED);
      expect(await shownFigures(page)).toMatchObject({
        runtime: describeRuntime({ kind: 'local', constraints: 'webcontainer' }),
      });
      expectEveryNeededRowPasses(rows);
      const byCheck = Object.fromEntries(rows.map((row) => [row.check, row]));
      expect(byCheck['sigusr2']).toMatchObject({ figure: 'nothing' });
      expect(byCheck['proc-stat']).toMatchObject({ figure: 'absent' });
      expect(byCheck['datasync']).toMatchObject({ result: 'FAIL', detail: expect.stringMatching(/ENOSYS/) });
      expect(byCheck['fetch']).toMatchObject({ result: 'FAIL' });
      expect(byCheck['input-echo']).toMatchObject({ figure: 'echoed' });
      expect(errors).toEqual([]);
      await page.context().close();
    },
    RUN_MS,
  );
});
