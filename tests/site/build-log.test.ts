// The site build says nothing a newcomer running `npm start` cannot act on: no warning, no error. The log is the one
// kept by the build the other site tests share (scripts/build-site.mjs), so this file adds no build of its own.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module script without type declarations
import { attentionLines, BUILD_LOG, ensureSiteBuilt } from '../../scripts/build-site.mjs';
import { BUILD_TIMEOUT_MS, projectRoot } from '../support/site';

const dist = join(projectRoot, 'dist');
let log: string;
beforeAll(async () => {
  await ensureSiteBuilt({ log: () => {}, withLog: true });
  log = readFileSync(BUILD_LOG, 'utf8');
}, BUILD_TIMEOUT_MS);

describe('the site build', () => {
  it('prints no warning and no error', () => {
    expect(log).toContain('Complete!');
    expect(attentionLines(log)).toEqual([]);
  });

  it('would be caught printing any of the warnings it used to print', () => {
    // The first lines of each, as a fresh clone's first `npm start` printed them (colours included).
    const old = [
      '08:38:59 [WARN] [vite] \u001b[33m[MODULE_LEVEL_DIRECTIVE] \u001b[0mThe semantics of the module level directive "use astro:head-inject" in "content/lessons/spof.mdx?astroPropagatedAssets" may not be preserved when bundling.',
      '(!) Some chunks are larger than 500 kB after minification. Consider:',
      '08:39:02 [WARN] [content] The collection "i18n" does not exist or is empty. Please check your content config file for errors.',
      '08:39:02   ├─ /404.html08:39:02 [WARN] [content] Entry docs → 404 was not found.',
      '08:39:03 [WARN] [@astrojs/sitemap] The Sitemap integration requires the `site` astro.config option. Skipping.',
      '(node:4242) ExperimentalWarning: something new',
    ];
    const progress = ['08:39:02   ├─ /load-balancer/index.html (+9ms)', '08:39:03 [build] 15 page(s) built in 8.15s'];
    expect(attentionLines([...progress, ...old].join('\n'))).toHaveLength(old.length);
  });
});

/** The scripts a module loads before it runs: its static imports and re-exports, not its `import()`s. */
function staticImports(code: string, folder: string): string[] {
  return [...code.matchAll(/\b(?:import|export)\s*(?:[\w$*{}\s,]*?\bfrom\s*)?["']([./][^"']*\.js)["']/g)].map(
    ([, path]) => (path.startsWith('/') ? join(dist, path) : join(folder, path)),
  );
}

function pages(folder = dist): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.html'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Every script file a page runs as it loads: its script tags and module preloads, their static imports, and so on. */
function scriptsLoadedUpFront(page: string): Set<string> {
  const html = readFileSync(page, 'utf8');
  const loaded = new Set<string>();
  const visit = (file: string) => {
    if (loaded.has(file)) return;
    loaded.add(file);
    for (const next of staticImports(readFileSync(file, 'utf8'), dirname(file))) visit(next);
  };
  for (const [, src, preload] of html.matchAll(
    /<script[^>]*\bsrc="(\/_astro\/[^"]+\.js)"|<link[^>]*rel="modulepreload"[^>]*href="(\/_astro\/[^"]+\.js)"/g,
  )) {
    visit(join(dist, src ?? preload));
  }
  for (const [, inline] of html.matchAll(/<script type="module">([\s\S]*?)<\/script>/g))
    staticImports(inline, dist).forEach(visit);
  return loaded;
}

// What Vite's chunk-size warning was for, without the exception astro.config.mjs makes for mermaid's on-demand
// parts: nothing that large may be fetched before the learner needs it.
it("no page loads a script chunk over 500 kB up front (mermaid's large parts only on demand)", () => {
  const LIMIT = 500_000;
  const chunks = readdirSync(join(dist, '_astro')).filter((name) => name.endsWith('.js'));
  expect(
    chunks.filter((name) => statSync(join(dist, '_astro', name)).size > LIMIT).length,
    'the large chunks this checks the loading of',
  ).toBeGreaterThan(0);
  const lesson = scriptsLoadedUpFront(join(dist, 'overview', 'index.html'));
  expect(
    [...lesson].some((file) => file.endsWith('.js') && /\/preload-helper\.[\w-]+\.js$/.test(file)),
    'static imports followed',
  ).toBe(true);
  for (const page of pages()) {
    const heavy = [...scriptsLoadedUpFront(page)]
      .filter((file) => statSync(file).size > LIMIT)
      .map((file) => relative(dist, file));
    expect([relative(dist, page), heavy]).toEqual([relative(dist, page), []]);
  }
});
