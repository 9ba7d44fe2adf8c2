// axe-core run in a page: the violations as "rule: the elements' selectors", so a failing test says what and where.
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const axeScript = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** axe's context (what to include and exclude) and options (e.g. rules), as axe.run takes them. */
export async function axeViolations(
  page: Page,
  context: object = { exclude: [] },
  options: object = {},
): Promise<string[]> {
  await page.addScriptTag({ path: axeScript });
  return page.evaluate(
    async ([context, options]) => {
      type Axe = {
        run(context: object, options: object): Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }>;
      };
      const result = await (window as unknown as { axe: Axe }).axe.run(context, options);
      return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    },
    [context, options] as const,
  );
}
