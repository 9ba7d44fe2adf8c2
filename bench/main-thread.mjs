// Where a lesson page's main thread goes while its sandbox starts, in real Chromium against the course served as
// `npm start` serves it: a CPU profile from navigation until the panel is ready (topology up, shell attached), its
// time summed by script (self time), and the long tasks (over 50 ms) of that span, each with what made it long (from
// a Chromium trace: the scripts evaluated, the callbacks run, style and layout). Prints figures; run with
// `npx node bench/main-thread.mjs [LESSON] [SECONDS]` (SECONDS: how long to go on once ready, default 0). Compare
// before/after on the same machine at the same load.
import { loadavg } from 'node:os';
import { chromiumPath, launchChromium } from '../tests/browser/chromium.ts';
import { serveBuiltCourse } from '../tests/support/site.ts';

const lesson = process.argv[2] ?? '/overview/';
/** Seconds the profile goes on after the panel is ready: `npx node bench/main-thread.mjs /overview/ 5`. */
const settle = Number(process.argv[3] ?? 0);
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
    const name = url
      ? url
          .replace(/[?#].*$/, '')
          .split('/')
          .at(-1) || url
      : functionName || '(native)';
    byScript.set(name, (byScript.get(name) ?? 0) + ms);
  }
  return [...byScript].filter(([name]) => name !== '(idle)').sort((a, b) => b[1] - a[1]);
}

/** Where a trace event's time went, in words: the script, callback or rendering step it is. */
function label(event) {
  const data = event.args?.data ?? {};
  const script = (url) =>
    url
      ?.replace(/[?#].*$/, '')
      .split('/')
      .at(-1);
  if (data.functionName || data.url)
    return `${event.name} ${[script(data.url), data.functionName].filter(Boolean).join(' ')}`;
  if (data.type) return `${event.name} ${data.type}`;
  return event.name;
}

const PARTS = new Set([
  'EvaluateScript',
  'v8.evaluateModule',
  'v8.compile',
  'v8.compileModule',
  'FunctionCall',
  'TimerFire',
  'FireAnimationFrame',
  'EventDispatch',
  'FireIdleCallback',
  'RunMicrotasks',
  'ParseHTML',
  'UpdateLayoutTree',
  'Layout',
  'Paint',
  'PrePaint',
  'Layerize',
  'HitTest',
  'ParseAuthorStyleSheet',
  'IntersectionObserverController::computeIntersections',
  'XHRReadyStateChange',
  'V8.GC_SCAVENGER',
  'MajorGC',
  'MinorGC',
]);

/**
 * The page's long tasks (over 50 ms) from a Chromium trace, each with its largest parts (outermost first): time
 * from navigation, duration, and what ran. The page's main thread is the renderer thread that parsed the lesson.
 */
function longTasks(trace) {
  const events = trace.traceEvents;
  const parse = events.find((e) => e.name === 'ParseHTML' && e.args?.beginData?.url?.startsWith('http'));
  const main = events.filter((e) => e.pid === parse.pid && e.tid === parse.tid);
  const navigation = events.find((e) => e.name === 'navigationStart' && e.pid === parse.pid)?.ts ?? parse.ts;
  const tasks = main.filter((e) => e.ph === 'X' && e.name === 'RunTask' && e.dur > 50_000);
  return tasks.map((task) => {
    const inside = main.filter(
      (e) => e.ph === 'X' && PARTS.has(e.name) && e.ts >= task.ts && e.ts + (e.dur ?? 0) <= task.ts + task.dur,
    );
    const outermost = inside.filter(
      (e) => !inside.some((o) => o !== e && o.ts <= e.ts && o.ts + o.dur >= e.ts + e.dur && o.dur > e.dur),
    );
    const parts = outermost
      .sort((a, b) => b.dur - a.dur)
      .slice(0, 3)
      .map((e) => `${label(e)} ${(e.dur / 1000).toFixed(0)} ms`);
    // Whose code ran: the outermost calls into each script (a microtask or an observer's callback is one of them).
    const calls = inside.filter((e) => e.name === 'FunctionCall' && e.args?.data?.url);
    const byScript = new Map();
    for (const call of calls.filter(
      (e) => !calls.some((o) => o !== e && o.ts <= e.ts && o.ts + o.dur >= e.ts + e.dur && o.dur > e.dur),
    )) {
      const name = call.args.data.url
        .replace(/[?#].*$/, '')
        .split('/')
        .at(-1);
      byScript.set(name, (byScript.get(name) ?? 0) + call.dur / 1000);
    }
    const scripts = [...byScript]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([name, ms]) => `${name} ${ms.toFixed(0)} ms`);
    return {
      at: (task.ts - navigation) / 1e6,
      ms: task.dur / 1000,
      parts: [...parts, ...(scripts.length ? [`calls into ${scripts.join(', ')}`] : [])],
    };
  });
}

const server = await serveBuiltCourse();
const { browser, close } = await launchChromium();
try {
  const page = await browser.newPage();
  await page.addInitScript(() => {
    const tasks = (window.__longTasks = []);
    new PerformanceObserver((list) => tasks.push(...list.getEntries().map((t) => t.duration))).observe({
      type: 'longtask',
      buffered: true,
    });
  });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 1000 });
  await cdp.send('Profiler.start');
  await browser.startTracing(page, {
    categories: [
      'toplevel',
      'devtools.timeline',
      'disabled-by-default-devtools.timeline',
      'blink.user_timing',
      'v8',
      'v8.execute',
    ],
  });
  const started = Date.now();
  await page.goto(new URL(lesson, server.url).href);
  await page.locator('[data-sandbox]').first().scrollIntoViewIfNeeded();
  await page.locator('[data-sandbox][data-ready]').first().waitFor({ timeout: 60_000 });
  const readyAt = (Date.now() - started) / 1000;
  // Then the sandbox running, as the learner reads on (Lighthouse keeps measuring until the page is quiet).
  await page.waitForTimeout(settle * 1000);
  const { profile } = await cdp.send('Profiler.stop');
  const trace = JSON.parse((await browser.stopTracing()).toString());
  const tasks = await page.evaluate(() => window.__longTasks);
  const total = timeByScript(profile).reduce((sum, [, ms]) => sum + ms, 0);
  console.log(
    `${lesson}: navigation → panel ready in ${readyAt.toFixed(2)} s${settle ? `, then ${settle} s more` : ''}; main thread busy ${total.toFixed(0)} ms (load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')})`,
  );
  console.log(
    `  long tasks: ${tasks.length}, longest ${Math.max(0, ...tasks).toFixed(0)} ms, blocking (time over 50 ms) ${tasks.reduce((sum, d) => sum + d - 50, 0).toFixed(0)} ms`,
  );
  for (const [name, ms] of timeByScript(profile).slice(0, 12))
    console.log(`  ${ms.toFixed(0).padStart(6)} ms  ${name}`);
  console.log('  long tasks in the trace (seconds from navigation, duration: largest parts):');
  for (const { at, ms, parts } of longTasks(trace))
    console.log(`  ${at.toFixed(2)} s ${ms.toFixed(0).padStart(5)} ms: ${parts.join('; ')}`);
  await page.close();
} finally {
  await close();
  await server.close();
}
