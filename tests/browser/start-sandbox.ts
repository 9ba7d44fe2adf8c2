// Starting a sandbox as a learner does (src/sandbox/bench.ts): the page's first starts once scrolled into view, any
// other (or the first, where starting costs too much) on its "Start this sandbox" button.
import type { Locator } from 'playwright-core';

/** How long the first sandbox of a page may take to start by itself once in view. */
const ON_SCROLL_MS = 3_000;

export async function startSandbox(sandbox: Locator): Promise<void> {
  // Right after a client-side navigation the old page's sandbox may still be found, then swapped out: find it again.
  for (let tries = 1; ; tries++) {
    try {
      await sandbox.scrollIntoViewIfNeeded();
      break;
    } catch (error) {
      if (tries === 10 || !/not attached/.test((error as Error).message)) throw error;
      await sandbox.page().waitForTimeout(200);
    }
  }
  const deadline = Date.now() + ON_SCROLL_MS;
  while (Date.now() < deadline) {
    if ((await sandbox.getAttribute('data-state')) === 'running') return;
    await sandbox.page().waitForTimeout(100);
  }
  // One that starts by itself meanwhile (later than that, on a loaded machine) hides its button: that is a start too.
  const started = sandbox.and(sandbox.page().locator('[data-state="running"]')).waitFor({ timeout: 30_000 });
  const clicked = sandbox.getByRole('button', { name: 'Start this sandbox' }).click({ timeout: 30_000 });
  await Promise.any([started, clicked]).catch(() => clicked);
}
