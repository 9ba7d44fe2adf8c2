import { expect } from 'vitest';
import type { Page } from 'playwright-core';

/**
 * Waits until the page's first diagram is drawn. A diagram is drawn only as it comes near the view
 * (src/components/diagrams.ts), and after the page's starting sandbox (at most 15 s): until then its source shows as a
 * code block. So this scrolls to the one or the other until the drawing is there (the source is replaced meanwhile:
 * scroll again).
 */
export async function diagramDrawn(page: Page): Promise<void> {
  const diagramOrSource = page.locator('.mermaid-diagram, .expressive-code:has(pre[data-language="mermaid"])').first();
  const scrolledTo = () => diagramOrSource.scrollIntoViewIfNeeded({ timeout: 1000 }).catch(() => {});
  await expect
    .poll(async () => (await scrolledTo(), page.locator('.mermaid-diagram svg').count()), { timeout: 45_000 })
    .toBe(1);
}
