// What a learner waits for on a lesson page, in real Chromium against the course served as `npm start` serves it
// (local runtime). Prints figures; run with `npm run bench:page-load [-- RUNS] [-- LESSON ...]` (several lessons
// give one summary line each, e.g. `-- 5 /round-robin/ /primary-replica/`; `--next` also times the next lesson). Goals: ≤ 1.0 s, ≤ 100 KB.
//
// 1. Time from navigation to the first request served by the lesson's first sandbox: the learner scrolls to it as
//    soon as the page is there (a page starts its first sandbox when it comes into view), the page boots the runtime,
//    the supervisor starts every node, the panel's load control (the shell's `load`) is switched on as soon as it
//    exists, and the clock stops at the first request the balancer (or a web server) answers with a non-5xx status
//    (for a scenario of databases only, at the supervisor's `ready`: every node up). That request's own time is
//    printed beside it: most of it is the web server's modelled work per request (service_ms, 140 ms by default,
//    sandboxes/web/capacity.ts), part of the lesson, not of the start. Each run is a fresh page and a fresh sandbox
//    session; the median and the spread are printed. Scrolling to the sandbox and switching the load on are done by
//    the page's own script up to the first request: Playwright's locators would first load its injected script into
//    the page, 0.1-0.2 s of the main thread in the middle of the start being measured.
//    On a page of several sandboxes, each other one is then started by its button (which stops the one running) and
//    timed from the click to its first request served; with `--next`, the page's "Next" link is then followed
//    (client-side navigation, the visit's runtime kept) and the next lesson's first sandbox timed from the click.
//    Before each of those moves the learner reads for 5 s (`--read SECONDS`), as the page expects a learner to.
//    Each sandbox's `ready` (every node up) is printed beside its first request; the capstone's goal is ready ≤ 2 s.
// 2. The lesson page's JS before the sandbox starts: the scripts in the HTML and everything they import statically,
//    gzipped; the sandbox's own code (runtime, xterm.js, the views, uPlot) is loaded by dynamic import() and so is
//    not counted.
import { loadavg } from 'node:os';
import { gzipSync } from 'node:zlib';
import { chromiumPath, launchChromium } from '../tests/browser/chromium.ts';
import { serveBuiltCourse } from '../tests/support/site.ts';

const runs = Number(process.argv[2] ?? 5);
const next = process.argv.includes('--next');
/**
 * `--read SECONDS` (default 5): how long the learner stays on the lesson after its sandbox served its first request,
 * before the next sandbox or lesson is started. A learner reads before moving on; 0 times a move made at once.
 */
const readAt = process.argv.indexOf('--read');
const readMs = readAt > 0 ? Number(process.argv[readAt + 1]) * 1000 : 5000;
/**
 * Before each fresh page: time for the bridge to open its next session ahead, as it does 3 s after the last page left
 * (src/runtime/local/bridge.ts), and load its supervisor; a learner opens the course a while after `npm start`.
 */
const SETTLE_MS = 6000;
const given = process.argv
  .slice(3)
  .filter((arg, i, args) => arg !== '--next' && arg !== '--read' && args[i - 1] !== '--read');
const lessons = given.length ? given : ['/overview/'];

if (!chromiumPath) {
  console.error('No Chromium: install it (apt-get install -y chromium) or set CHROMIUM_PATH.');
  process.exit(1);
}

/** Every script the page runs before any dynamic import(): inline scripts and the static import graph. */
async function initialScripts(base, lesson) {
  const html = await (await fetch(new URL(lesson, base))).text();
  const seen = new Map();
  const inline = [...html.matchAll(/<script\b(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
  const queue = [...html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)].map(
    (m) => new URL(m[1], new URL(lesson, base)).href,
  );
  const inlineImports = inline.flatMap((code) => staticImports(code, new URL(lesson, base)));
  queue.push(...inlineImports);
  while (queue.length) {
    const url = queue.shift();
    if (seen.has(url)) continue;
    const code = await (await fetch(url)).text();
    seen.set(url, code);
    queue.push(...staticImports(code, new URL(url)));
  }
  return { inline, files: seen };
}

/** `import x from "./a.js"`, `import "./b.js"`, `export * from "./c.js"`; not `import("./d.js")`. */
function staticImports(code, from) {
  return [...code.matchAll(/(?:^|[;\s}])(?:import|export)\s*(?:[\w*{}\s,$]+?\s*from\s*)?["']([^"']+\.m?js)["']/g)].map(
    (m) => new URL(m[1], from).href,
  );
}

async function firstServed(browser, base, lesson) {
  const page = await browser.newPage();
  await page.addInitScript(() => {
    // Every step on the way, by page time: the panel's named boot steps, the supervisor's spawn, its first event,
    // each node's start and listening events, the topology's 'ready' and the first request served.
    const steps = (window.__steps = []);
    // Events also carry the supervisor's own clock (ms since it started): the page may see them later when busy.
    const mark = (label, clock) =>
      steps.push([clock === undefined ? label : `${label} [supervisor's clock: ${clock} ms]`, performance.now()]);
    // Long tasks (over 50 ms) of the main thread, for the blocking time a learner would feel while the sandbox starts.
    const longTasks = (window.__longTasks = []);
    new PerformanceObserver((list) =>
      longTasks.push(...list.getEntries().map((t) => [t.startTime, t.duration])),
    ).observe({ type: 'longtask', buffered: true });
    addEventListener('load', () => mark('load event (page.goto returns; the bench scrolls to the sandbox)'));
    // The learner turns the load on (20 req/s) the moment the next sandbox's load control appears: called just before
    // the sandbox is started (scroll, button, link), it picks the first load control that was not there yet.
    window.__turnLoadOnNext = () => {
      const there = new Set(document.querySelectorAll('select.load'));
      const pick = () => {
        const load = [...document.querySelectorAll('select.load')].find((select) => !there.has(select));
        if (!load) return false;
        load.value = '20';
        load.dispatchEvent(new Event('change'));
        mark('load switched on');
        return true;
      };
      const observer = new MutationObserver(() => pick() && observer.disconnect());
      observer.observe(document.documentElement, { childList: true, subtree: true }); // the body is replaced on navigation
    };
    // Client-side navigation (Astro's router): the next page fetched, swapped in, and its scripts run.
    document.addEventListener('astro:after-preparation', () => mark('next page fetched (astro:after-preparation)'));
    document.addEventListener('astro:after-swap', () => mark('next page swapped in (astro:after-swap)'));
    document.addEventListener('astro:page-load', () => mark('astro:page-load'));
    addEventListener('DOMContentLoaded', () => {
      mark('DOM ready');
      watchPage();
    });
    document.addEventListener('astro:after-swap', () => watchPage());
    // The page's first sandbox's start and the panel's steps, on the first page and on each page swapped in.
    function watchPage() {
      // The bench (or the sandbox's coming into view) starts it: its panel's code is then fetched.
      const sandbox = document.querySelector('[data-sandbox]');
      if (sandbox) {
        new MutationObserver((changes, observer) => {
          if (sandbox.dataset.state !== 'running') return;
          mark('sandbox started (its panel code is fetched)');
          observer.disconnect();
        }).observe(sandbox, { attributeFilter: ['data-state'] });
      }
      let prompt = false;
      new MutationObserver((changes) => {
        for (const change of changes)
          for (const added of change.addedNodes)
            if (added.nodeName === 'LI' && added.parentElement?.matches('[data-part="steps"]')) mark(added.textContent);
        // The terminal's shell has printed its greeting: the learner can type.
        if (!prompt && document.querySelector('[data-sandbox] .xterm-rows')?.textContent?.includes("Type 'help'")) {
          prompt = true;
          mark('terminal prompt shown');
        }
      }).observe(document.body, { childList: true, subtree: true, characterData: true });
    }
    // Capture phase on window sees the panel's non-bubbling 'sandbox:event's.
    addEventListener(
      'sandbox:event',
      (e) => {
        const event = e.detail;
        // From the learner's own address (the load): not a health check, nor Prometheus scraping the balancer.
        const served =
          ((event.type === 'balancer.request' && event.status < 500) || event.type === 'web.request') &&
          event.client.startsWith('203.0.113.');
        // Each sandbox's own first request and `ready`, by scenario, for the sandboxes started after the first.
        const scenario = e.target.dataset?.scenario;
        const by = (window.__by ??= {});
        const times = (by[scenario] ??= {});
        if (event.type === 'scenario')
          times.http = event.nodes.some((n) => n.role === 'web' || n.role === 'balancer' || n.role === 'vrrp');
        if (event.type === 'ready') times.ready ??= performance.now();
        if ((served || (event.type === 'ready' && times.http === false)) && times.served === undefined)
          times.served = performance.now();
        if (served && window.__served === undefined) {
          window.__served = performance.now();
          // The request's own time: the balancer's Ta (accept to answer), or the web server's duration.
          window.__servedOwn = event.timings?.Ta ?? event.duration_ms;
          mark(`first request served (its own time ${window.__servedOwn} ms)`, event.time);
          // As the balancer saw it arrive: its log's time less its own time.
          mark('first request accepted', event.time - window.__servedOwn);
        }
        if (event.type === 'scenario') {
          mark("supervisor's first event", event.time);
          // A scenario with no HTTP front (only databases) serves no request: its clock stops when every node is up.
          window.__http = event.nodes.some((n) => n.role === 'web' || n.role === 'balancer' || n.role === 'vrrp');
        }
        if (event.type === 'ready' && window.__http === false && window.__served === undefined)
          window.__served = performance.now();
        if (event.type === 'node.started') mark(`${event.name} started`, event.time);
        if (event.type.endsWith('.listening')) mark(`${event.node} listening`, event.time);
        if (event.type === 'ready') mark('every node up (ready)', event.time);
      },
      true,
    );
    addEventListener('sandbox:ready', () => mark('supervisor spawned'), true);
  });
  await page.goto(new URL(lesson, base).href);
  // In the page's own script, as a learner's scroll and choice would be (see the header).
  const figures = await page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        window.__turnLoadOnNext();
        document.querySelector('[data-sandbox]').scrollIntoView({ block: 'nearest' });
        const since = performance.now();
        const check = setInterval(() => {
          if (window.__served) {
            clearInterval(check);
            resolve({
              served: window.__served,
              own: window.__servedOwn,
              steps: window.__steps,
              longTasks: window.__longTasks,
            });
          } else if (performance.now() - since > 60_000) {
            clearInterval(check);
            reject(new Error('no request served within 60 s'));
          }
        }, 20);
      }),
  );
  const load = page.locator('select.load');
  figures.ready = await page.evaluate(
    () => window.__by[document.querySelector('[data-sandbox]').dataset.scenario].ready,
  );
  // The sandbox's own requests, from the browser's resource timing: when each was asked for and when it arrived.
  const fetched = await page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .filter((r) => /\/__sandbox\/|\/_astro\/(panel|terminal|boot-view|Sandbox)[^/]*\.js/.test(r.name))
      .flatMap((r) => {
        const name = new URL(r.name).pathname.split('/').at(-1);
        return [
          [`${name} requested`, r.startTime],
          [`${name} received`, r.responseEnd],
        ];
      }),
  );
  const tasks = figures.longTasks.map(([start, duration]) => [`long task of ${duration.toFixed(0)} ms begins`, start]);
  figures.steps = [...figures.steps, ...fetched, ...tasks].sort((a, b) => a[1] - b[1]);
  await load.selectOption('0');
  // The page's other sandboxes, each started by its button, and with --next the next lesson, reached by its link.
  figures.switches = [];
  const others = await page.locator('course-sandbox').count();
  for (let i = 1; i < others; i++) {
    await page.waitForTimeout(readMs);
    const sandbox = page.locator('course-sandbox').nth(i);
    await sandbox.scrollIntoViewIfNeeded();
    const scenario = await sandbox.locator('[data-sandbox]').getAttribute('data-scenario');
    const clicked = await sandbox
      .locator('[data-part="start-button"]')
      .evaluate((button) => (window.__turnLoadOnNext(), button.click(), performance.now()));
    figures.switches.push({
      what: `sandbox ${i + 1} of the page (${scenario}), by its button`,
      ...(await servedAfter(page, sandbox, scenario, clicked)),
    });
  }
  if (next && (await page.locator('a[rel="next"]').count())) {
    await page.waitForTimeout(readMs);
    const link = page.locator('a[rel="next"]').first();
    const href = await link.getAttribute('href');
    const clicked = await link.evaluate((a) => (window.__turnLoadOnNext(), a.click(), performance.now()));
    const sandbox = page.locator('course-sandbox').first();
    await page.waitForURL((url) => url.pathname === new URL(href, base).pathname);
    if (await sandbox.count()) {
      await sandbox.scrollIntoViewIfNeeded();
      const scenario = await sandbox.locator('[data-sandbox]').getAttribute('data-scenario');
      figures.switches.push({
        what: `the next lesson ${href} (${scenario}), by client-side navigation`,
        ...(await servedAfter(page, sandbox, scenario, clicked)),
      });
    }
  }
  await page.close();
  return figures;
}

/** A sandbox started at page time `since`, its load switched on at once: when it was up and served its first request. */
async function servedAfter(page, sandbox, scenario, since) {
  const load = sandbox.locator('select.load');
  const times = await page
    .waitForFunction((s) => window.__by?.[s]?.served && window.__by[s], scenario, { timeout: 60_000 })
    .then(
      (handle) => handle.jsonValue(),
      () => page.evaluate((s) => window.__by?.[s] ?? {}, scenario),
    );
  await load.selectOption('0');
  // The steps seen since, by time after the click (the page keeps its step log across client-side navigation).
  const steps = await page.evaluate(
    (from) => window.__steps.filter(([, at]) => at >= from).map(([label, at]) => [label, at - from]),
    since,
  );
  // Not served within the bound: NaN, printed as such, rather than the whole bench lost.
  return { served: (times.served ?? NaN) - since, ready: (times.ready ?? NaN) - since, steps };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const server = await serveBuiltCourse();
const { browser, close } = await launchChromium();
try {
  for (const lesson of lessons) {
    const { inline, files } = await initialScripts(server.url, lesson);
    const raw = [...inline, ...files.values()].reduce((sum, code) => sum + Buffer.byteLength(code), 0);
    const gz = [...inline, ...files.values()].reduce((sum, code) => sum + gzipSync(code).length, 0);
    console.log(
      `${lesson}: JS before the sandbox starts: ${(gz / 1024).toFixed(1)} KB gzipped (${(raw / 1024).toFixed(1)} KB raw) in ${files.size} files + ${inline.length} inline scripts (goal ≤ 100 KB)`,
    );

    const served = [];
    const owns = [];
    const readies = [];
    const switches = new Map();
    const blocking = [];
    for (let i = 0; i < runs; i++) {
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      const {
        served: at,
        own,
        ready,
        steps,
        longTasks,
        switches: switched,
      } = await firstServed(browser, server.url, lesson);
      served.push(at);
      owns.push(own);
      readies.push(ready);
      for (const { what, served: after, ready: up } of switched)
        switches.set(what, [...(switches.get(what) ?? []), { served: after, ready: up }]);
      // Total Blocking Time's definition (each long task's time over 50 ms), from navigation to the first request.
      const before = longTasks.filter(([start]) => start < at);
      blocking.push(before.reduce((sum, [, duration]) => sum + duration - 50, 0));
      const longest = Math.max(0, ...before.map(([, duration]) => duration));
      console.log(
        `  run ${i + 1}: first request served at ${(at / 1000).toFixed(2)} s ${own === undefined ? '' : `(its own time ${own} ms)`}; ${before.length} long tasks before it, longest ${longest.toFixed(0)} ms, blocking ${blocking.at(-1).toFixed(0)} ms (load average ${loadavg()[0].toFixed(2)})`,
      );
      for (const [label, ms] of steps) console.log(`    ${(ms / 1000).toFixed(2).padStart(6)} s  ${label}`);
      for (const { what, served: after, ready: up, steps: since } of switched) {
        console.log(
          `  run ${i + 1}: ${what}: every node up ${(up / 1000).toFixed(2)} s, first request served ${(after / 1000).toFixed(2)} s after the click`,
        );
        for (const [label, ms] of since) console.log(`    ${(ms / 1000).toFixed(2).padStart(6)} s  ${label}`);
      }
    }
    const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;
    const spread = (values) =>
      `median ${seconds(median(values))} (min ${seconds(Math.min(...values))}, max ${seconds(Math.max(...values))})`;
    console.log(`${lesson}: navigation → every node up (ready): ${spread(readies)}`);
    for (const [what, results] of switches) {
      console.log(
        `${lesson}: ${what}, ${readMs / 1000} s after the sandbox before it served: click → ready ${spread(results.map((r) => r.ready))}; click → first request ${spread(results.map((r) => r.served))} (goal ≤ 0.8 s)`,
      );
    }
    console.log(
      `${lesson}: navigation → first request served: median ${(median(served) / 1000).toFixed(2)} s over ${runs} runs (min ${(Math.min(...served) / 1000).toFixed(2)} s, max ${(Math.max(...served) / 1000).toFixed(2)} s; goal ≤ 1.0 s${owns.some(Number.isFinite) ? `; the request's own time median ${median(owns.filter(Number.isFinite))} ms` : ''}); main thread blocked (long tasks' time over 50 ms) median ${median(blocking).toFixed(0)} ms; load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  }
} finally {
  await close();
  await server.close();
}
