// Lighthouse on every page of the course, served as `npm start` serves it: its default mobile run (a simulated
// mid-range phone on a slow 4G network, simulated throttling) in headless Chromium. Prints, per page, the four
// category scores and the Total Blocking Time and Largest Contentful Paint behind performance. Goals (issue #15):
// performance ≥ 95 (TBT ≤ 200 ms) on every lesson page, the other categories 100.
//
// Run with `npm run bench:lighthouse [-- RUNS] [-- PAGE ...] [-- --why] [-- --dist DIR]`, e.g.
// `-- 3 /overview/ /capstone/`; RUNS (default 1) runs each page that often and prints its median run by performance
// (and each run's score and TBT); --why adds the scripts that kept the main thread busiest in that run (Lighthouse's
// bootup-time audit); --dist measures a site already built (another commit's, for a before/after). Simulated
// throttling derives its timings from the page's real ones on this machine, so a loaded machine scores lower: the
// load average is printed.
//
// Nothing waits on the network: the course is served from loopback, and Chromium runs with its background
// networking (updates, sync, safe browsing lists) off.
import lighthouse from 'lighthouse';
import { launch } from 'chrome-launcher';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSiteBuilt, root } from '../scripts/build-site.mjs';
import { serveCourse } from '../src/runtime/local/server.ts';
import { chromiumPath } from '../tests/browser/chromium.ts';
import { freePort } from '../tests/support/ports.ts';

const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'];
const numbers = process.argv.slice(2).filter((arg) => /^\d+$/.test(arg));
const runs = Number(numbers[0] ?? 1);
const why = process.argv.includes('--why');
/** `--dist DIR`: an already built site to measure instead (another commit's build, for a before/after). */
const builtDist = process.argv.includes('--dist') ? process.argv[process.argv.indexOf('--dist') + 1] : undefined;
const named = process.argv.slice(2).filter((arg, i, args) => arg.startsWith('/') && args[i - 1] !== '--dist');
/** Every page of the course: one per file in content/lessons, the landing page (index) at /. */
const pages = named.length
  ? named
  : readdirSync(join(root, 'content', 'lessons'))
      .filter((file) => file.endsWith('.mdx'))
      .map((file) => (file === 'index.mdx' ? '/' : `/${file.replace(/\.mdx$/, '')}/`));

if (!chromiumPath) {
  console.error('No Chromium: install it (apt-get install -y chromium) or set CHROMIUM_PATH.');
  process.exit(1);
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const dist = builtDist ?? join(mkdtempSync(join(tmpdir(), 'bench-site-')), 'dist');
if (!builtDist) await ensureSiteBuilt({ log: () => {}, snapshot: dist });
const server = await serveCourse({ root, port: await freePort(), dist, compress: true }); // as a static host serves it
const chrome = await launch({
  chromePath: chromiumPath,
  chromeFlags: [
    '--headless=new',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
  logLevel: 'silent',
});
/** One Lighthouse run; a run whose trace came out broken (NO_NAVSTART and the like, seen under load) is run again. */
async function audit(page, tries = 3) {
  const { lhr } = await lighthouse(new URL(page, server.url).href, {
    port: chrome.port,
    output: 'json',
    logLevel: 'error',
    onlyCategories: CATEGORIES,
  });
  if (!lhr.runtimeError) return lhr;
  if (tries > 1) return audit(page, tries - 1);
  throw new Error(`${page}: ${lhr.runtimeError.code}: ${lhr.runtimeError.message}`);
}

try {
  console.log(`Lighthouse ${runs} run(s) per page, mobile (simulated throttling), load average at start ${load()}`);
  console.log(
    'page                     perf  a11y  best   seo    TBT ms   LCP s   (each run: perf/TBT; load average after)',
  );
  for (const page of pages) {
    const each = [];
    for (let run = 0; run < runs; run++) {
      const lhr = await audit(page);
      const score = (id) => Math.round((lhr.categories[id]?.score ?? 0) * 100);
      each.push({
        scores: CATEGORIES.map(score),
        tbt: lhr.audits['total-blocking-time'].numericValue,
        lcp: lhr.audits['largest-contentful-paint'].numericValue,
        busiest: [...(lhr.audits['bootup-time'].details?.items ?? [])]
          .sort((a, b) => b.scripting - a.scripting)
          .slice(0, 4)
          .map((item) => `${item.url.replace(server.url, '/')} ${item.scripting.toFixed(0)} ms`),
        failed: CATEGORIES.slice(1).flatMap((id) =>
          lhr.categories[id].auditRefs
            .filter((ref) => ref.weight > 0 && lhr.audits[ref.id].score !== null && lhr.audits[ref.id].score < 1)
            .map((ref) => ref.id),
        ),
      });
    }
    const mid = each.find((r) => r.scores[0] === median(each.map((e) => e.scores[0])));
    const [perf, a11y, best, seo] = mid.scores.map((s) => String(s).padStart(4));
    const spread = each.map((r) => `${r.scores[0]}/${r.tbt.toFixed(0)}`).join(' ');
    console.log(
      `${page.padEnd(24)} ${perf}  ${a11y}  ${best}  ${seo}  ${mid.tbt.toFixed(0).padStart(7)}  ${(mid.lcp / 1000).toFixed(2).padStart(6)}   (${spread}; load ${loadavg()[0].toFixed(1)})${mid.failed.length ? `  not 100: ${mid.failed.join(', ')}` : ''}`,
    );
    if (why) console.log(`    scripting: ${mid.busiest.join('; ')}`);
  }
  console.log(`load average at end ${load()}`);
} finally {
  chrome.kill();
  await server.close();
  if (!builtDist) rmSync(join(dist, '..'), { recursive: true, force: true });
}
