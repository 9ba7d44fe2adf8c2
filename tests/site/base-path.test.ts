// The course built under a base path (astro.config.mjs `base`, here `astro build --base /course/`), as on a GitHub
// Pages project site: every page and asset it links to, and the bundles a WebContainer fetches, are under /course/.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module script without type declarations
import { attentionLines } from '../../scripts/build-site.mjs';
import { BUILD_TIMEOUT_MS, projectRoot } from '../support/site';

const BASE = '/course/';
/** The deployment's public address (README, "Deploying the static site"): the sitemap and canonical links name it. */
const SITE = 'https://course.example/';
let out: string;
let output: string;

function files(folder: string, ending: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(ending))
    .map((entry) => join(entry.parentPath, entry.name));
}

beforeAll(() => {
  out = join(mkdtempSync(join(tmpdir(), 'course-base-')), 'dist');
  // A production build, whoever runs it: vitest's NODE_ENV and import.meta.env values must not reach it.
  const { NODE_ENV, DEV, PROD, MODE, SSR, BASE_URL, ...inherited } = process.env;
  const env = { ...inherited, SITE };
  const astro = join(projectRoot, 'node_modules', 'astro', 'bin', 'astro.mjs');
  const build = spawnSync(process.execPath, [astro, 'build', '--base', BASE, '--outDir', out], {
    cwd: projectRoot,
    env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  output = `${build.stdout}${build.stderr}`;
  if (build.status !== 0)
    throw new Error(`astro build --base ${BASE} failed:\n${output.split('\n').slice(-30).join('\n')}`);
}, BUILD_TIMEOUT_MS);
afterAll(() => rmSync(join(out, '..'), { recursive: true, force: true }));

describe(`the course built under the base path ${BASE}`, () => {
  it('builds without a warning, its sitemap included', () => {
    expect(output).toContain('Complete!');
    expect(attentionLines(output)).toEqual([]);
  });

  it('has a sitemap of its lessons at its public address (SITE), and each page a canonical link there', () => {
    const index = readFileSync(join(out, 'sitemap-index.xml'), 'utf8');
    expect(index).toContain(`<loc>${SITE}course/sitemap-0.xml</loc>`);
    const sitemap = readFileSync(join(out, 'sitemap-0.xml'), 'utf8');
    expect(sitemap).toContain(`<loc>${SITE}course/overview/</loc>`);
    expect(sitemap).not.toContain('404');
    const overview = readFileSync(join(out, 'overview', 'index.html'), 'utf8');
    expect(overview).toContain(`<link rel="canonical" href="${SITE}course/overview/"`);
    expect(overview).toContain(`<link rel="sitemap" href="${BASE}sitemap-index.xml"`);
  });

  it('fetches the sandbox bundles from under the base path, where the build put them', () => {
    // The WebContainer runtime's bundle URL, as the build inlined it into the page's script.
    const uses = files(join(out, '_astro'), '.js').flatMap((file) => {
      const code = readFileSync(file, 'utf8');
      return [...code.matchAll(/sandbox\/bin\//g)].map((m) => code.slice(Math.max(0, m.index - 60), m.index + 12));
    });
    expect(uses.length).toBeGreaterThan(0);
    for (const use of uses) expect(use).toContain(BASE);
    expect(JSON.parse(readFileSync(join(out, 'sandbox', 'bin', 'programs.json'), 'utf8'))).toEqual(
      expect.arrayContaining(['supervisor', 'shell']),
    );
    expect(existsSync(join(out, '_headers'))).toBe(true);
  });

  it('links every page, script, style and image of every page under the base path', () => {
    const pages = files(out, '.html');
    expect(pages.length).toBeGreaterThan(10);
    for (const page of pages) {
      const html = readFileSync(page, 'utf8');
      const absolute = [...html.matchAll(/\b(?:href|src)="(\/[^"]*)"/g)]
        .map((m) => m[1])
        .filter((url) => !url.startsWith('//'));
      expect(
        absolute.filter((url) => !url.startsWith(BASE)),
        page,
      ).toEqual([]);
    }
  });
});
