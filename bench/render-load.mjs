// What drawing a running load costs the learner's browser: the overview's sandbox in real Chromium (local runtime),
// its load control at a rate, and over a steady 5 s the renderer's main-thread time (Chromium's own Performance
// metrics: tasks, of them script, layout and style) and the CPU time of all of Chromium's processes (from /proc, so
// Linux only). With motion and with reduced motion (requests drawn as counts only). Prints figures; run with
// `npm run bench:render-load [-- RUNS] [-- RATE ...]` (default 1 run at 20 and 100 requests/s).
import { readFileSync, readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { chromiumPath, launchChromium } from '../tests/browser/chromium.ts';
import { serveBuiltCourse } from '../tests/support/site.ts';

const runs = Number(process.argv[2] ?? 1);
const rates = process.argv.slice(3).map(Number);
const RATES = rates.length ? rates : [20, 100];
const LESSON = '/overview/';
const WARM_MS = 3000;
const MEASURE_MS = 5000;
const TICKS = 100; // clock ticks per second of /proc's utime and stime (USER_HZ)

if (!chromiumPath) {
  console.error('No Chromium: install it (apt-get install -y chromium) or set CHROMIUM_PATH.');
  process.exit(1);
}

/** CPU seconds used so far by this process's descendants that are Chromium's. */
function chromiumCpu() {
  const stats = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((pid) => {
      try {
        const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const comm = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
        const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
        return {
          pid: Number(pid),
          comm,
          ppid: Number(fields[1]),
          cpu: (Number(fields[11]) + Number(fields[12])) / TICKS,
        };
      } catch {
        return undefined; // ended meanwhile
      }
    })
    .filter(Boolean);
  const byPid = new Map(stats.map((s) => [s.pid, s]));
  const descends = (s) => {
    for (let p = s; p; p = byPid.get(p.ppid)) if (p.ppid === process.pid) return true;
    return false;
  };
  return stats.filter((s) => /chrom/i.test(s.comm) && descends(s)).reduce((sum, s) => sum + s.cpu, 0);
}

async function measure(browser, base, rate, reducedMotion) {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  await page.emulateMedia({ reducedMotion });
  await page.route(/mermaid|pagefind/, (route) => route.abort());
  await page.goto(new URL(LESSON, base).href);
  const box = page.locator('[data-sandbox]').first();
  await box.scrollIntoViewIfNeeded();
  await page.waitForFunction(() => document.querySelector('[data-sandbox]')?.hasAttribute('data-ready'), null, {
    timeout: 60_000,
  });
  await box.locator('select.load').selectOption(String(rate));
  await page.waitForTimeout(WARM_MS);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const metrics = async () =>
    Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  const [before, cpuBefore] = [await metrics(), chromiumCpu()];
  await page.waitForTimeout(MEASURE_MS);
  const [after, cpuAfter] = [await metrics(), chromiumCpu()];
  await box.locator('select.load').selectOption('0');
  await page.close();
  const delta = (name) => after[name] - before[name];
  return {
    task: delta('TaskDuration'),
    script: delta('ScriptDuration'),
    layout: delta('LayoutDuration'),
    style: delta('RecalcStyleDuration'),
    cpu: cpuAfter - cpuBefore,
  };
}

const server = await serveBuiltCourse();
const { browser, close } = await launchChromium();
const s = (seconds) => `${seconds.toFixed(2)} s`;
try {
  for (const rate of RATES) {
    for (const reducedMotion of ['no-preference', 'reduce']) {
      for (let i = 0; i < runs; i++) {
        const m = await measure(browser, server.url, rate, reducedMotion);
        console.log(
          `${LESSON} at ${rate} requests/s, ${reducedMotion === 'reduce' ? 'reduced motion' : 'motion'}, over ${MEASURE_MS / 1000} s: main thread busy ${s(m.task)} (script ${s(m.script)}, layout ${s(m.layout)}, style ${s(m.style)}); Chromium's processes ${s(m.cpu)} of CPU (load average ${loadavg()[0].toFixed(2)})`,
        );
      }
    }
  }
} finally {
  await close();
  await server.close();
}
