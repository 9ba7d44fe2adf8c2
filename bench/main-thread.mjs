// Where a lesson page's main thread goes while its sandbox starts, in real Chromium against the course served as
// `npm start` serves it: a CPU profile from navigation until the panel is ready (topology up, shell attached), its
// time summed by script (self time), and the long tasks (over 50 ms) of that span. Prints figures; run with
// `npx node bench/main-thread.mjs [LESSON]`. Compare before/after on the same machine at the same load.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSiteBuilt, root } from '../scripts/build-site.mjs';
import { serveCourse } from '../src/runtime/local/server.ts';
import { chromiumPath, launchChromium } from '../tests/browser/chromium.ts';
import { freePort } from '../tests/support/ports.ts';

const lesson = process.argv[2] ?? '/overview/';
if (!chromiumPath) {
  console.error('No Chromium: install it (apt-get install -y chromium) or set CHROMIUM_PATH.');
  process.exit(1);
}

/** Self time per script file (its last path segment), in ms, from a CDP CPU profile. */
function timeByScript(profile) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  const byScript = new Map();
  for (const [id, ms] of self) {
    const { url, functionName } = nodes.get(id).callFrame;
    const name = url ? url.replace(/[?#].*$/, '').split('/').at(-1) || url : functionName || '(native)';
    byScript.set(name, (byScript.get(name) ?? 0) + ms);
  }
  return [...byScript].filter(([name]) => name !== '(idle)').sort((a, b) => b[1] - a[1]);
}

const dist = join(mkdtempSync(join(tmpdir(), 'bench-site-')), 'dist');
await ensureSiteBuilt({ log: () => {}, snapshot: dist });
const server = await serveCourse({ root, port: await freePort(), dist });
const { browser, close } = await launchChromium();
try {
  const page = await browser.newPage();
  await page.addInitScript(() => {
    const tasks = (window.__longTasks = []);
    new PerformanceObserver((list) => tasks.push(...list.getEntries().map((t) => t.duration))).observe({ type: 'longtask', buffered: true });
  });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 1000 });
  await cdp.send('Profiler.start');
  const started = Date.now();
  await page.goto(new URL(lesson, server.url).href);
  await page.locator('[data-sandbox]').first().scrollIntoViewIfNeeded();
  await page.locator('[data-sandbox][data-ready]').first().waitFor({ timeout: 60_000 });
  const { profile } = await cdp.send('Profiler.stop');
  const tasks = await page.evaluate(() => window.__longTasks);
  const total = timeByScript(profile).reduce((sum, [, ms]) => sum + ms, 0);
  console.log(`${lesson}: navigation → panel ready in ${((Date.now() - started) / 1000).toFixed(2)} s; main thread busy ${total.toFixed(0)} ms (load average ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
  console.log(`  long tasks: ${tasks.length}, longest ${Math.max(0, ...tasks).toFixed(0)} ms, blocking (time over 50 ms) ${tasks.reduce((sum, d) => sum + d - 50, 0).toFixed(0)} ms`);
  for (const [name, ms] of timeByScript(profile).slice(0, 12)) console.log(`  ${ms.toFixed(0).padStart(6)} ms  ${name}`);
  await page.close();
} finally {
  await close();
  await server.close();
  rmSync(join(dist, '..'), { recursive: true, force: true });
}
