// Page weight of the landing page and a lesson page, in real Chromium against the course served as `npm start`
// serves it: the JavaScript each page fetches, raw and gzipped, split into what loads up front (the scripts in the
// HTML and their static imports) and what the page loads on demand (mermaid, xterm.js, the runtime, the views).
// Run with `npx node bench/page-weight.mjs [LESSON]`; prints figures, asserts nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ensureSiteBuilt, root } from '../scripts/build-site.mjs';
import { serveCourse } from '../src/runtime/local/server.ts';
import { chromiumPath, launchChromium } from '../tests/browser/chromium.ts';
import { freePort } from '../tests/support/ports.ts';

const lesson = process.argv[2] ?? '/overview/';
if (!chromiumPath) {
  console.error('No Chromium: install it (apt-get install -y chromium) or set CHROMIUM_PATH.');
  process.exit(1);
}

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

async function weigh(browser, url) {
  const page = await browser.newPage();
  const scripts = [];
  page.on('response', async (response) => {
    if (response.request().resourceType() !== 'script') return;
    const body = await response.body().catch(() => Buffer.alloc(0));
    scripts.push({
      url: response.url(),
      raw: body.length,
      gzip: gzipSync(body).length,
      initiator: response.request().frame(),
    });
  });
  const html = await (await fetch(url)).text();
  const upFront = new Set([...html.matchAll(/<script[^>]+src="([^"]+)"/g)].map((m) => new URL(m[1], url).href));
  await page.goto(url, { waitUntil: 'load' });
  const loadedAtLoad = scripts.map((s) => s.url);
  await page.waitForTimeout(8000); // the sandbox boots and mermaid draws
  await page.close();
  const sum = (list) => list.reduce((a, s) => ({ raw: a.raw + s.raw, gzip: a.gzip + s.gzip }), { raw: 0, gzip: 0 });
  const atLoad = scripts.filter((s) => loadedAtLoad.includes(s.url) || upFront.has(s.url));
  const inline = [...html.matchAll(/<script(?![^>]*src=)[^>]*>([\s\S]*?)<\/script>/g)].map((m) => Buffer.from(m[1]));
  const inlineSize = {
    raw: inline.reduce((a, b) => a + b.length, 0),
    gzip: inline.reduce((a, b) => a + gzipSync(b).length, 0),
  };
  return { atLoad: sum(atLoad), all: sum(scripts), inline: inlineSize, count: scripts.length };
}

const dist = join(mkdtempSync(join(tmpdir(), 'course-weight-')), 'dist');
await ensureSiteBuilt({ snapshot: dist });
const server = await serveCourse({ root, port: await freePort(), dist });
const { browser, close } = await launchChromium();
try {
  for (const path of ['/', lesson]) {
    const w = await weigh(browser, new URL(path, server.url).href);
    console.log(`${path}`);
    console.log(`  inline scripts in the HTML:        ${kb(w.inline.raw)} raw, ${kb(w.inline.gzip)} gzipped`);
    console.log(`  JS files fetched by the load event: ${kb(w.atLoad.raw)} raw, ${kb(w.atLoad.gzip)} gzipped`);
    console.log(
      `  JS files fetched in all (${w.count}):     ${kb(w.all.raw)} raw, ${kb(w.all.gzip)} gzipped (incl. on-demand mermaid, xterm.js, runtime, views)`,
    );
  }
} finally {
  await close();
  await server.close();
  rmSync(join(dist, '..'), { recursive: true, force: true });
}
