// The built course as served by `npm start`: isolation headers on everything, the sandbox bundles published for
// WebContainers, and a sidebar that lists every lesson file in content/lessons by its sidebar.order.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD_TIMEOUT_MS, projectRoot, serveBuiltCourse, type ServedCourse } from '../support/site';
import { loadLessons } from '../content/lessons';
import { serveCourse } from '../../src/runtime/local/server';
import { freePort } from '../support/ports';

let server: ServedCourse;
let dist: string;
beforeAll(async () => {
  server = await serveBuiltCourse();
  dist = server.dist;
}, BUILD_TIMEOUT_MS);
afterAll(async () => {
  await server?.close();
});

function pages(folder = dist, prefix = '/'): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory())
      return entry.name.startsWith('_') || entry.name === 'pagefind'
        ? []
        : pages(join(folder, entry.name), `${prefix}${entry.name}/`);
    return entry.name === 'index.html' ? [prefix] : [];
  });
}

describe('served by npm start', () => {
  it('every page and asset carries both cross-origin isolation headers', async () => {
    const paths = [...pages(), '/favicon.svg', '/sandbox/bin/programs.json', '/pagefind/pagefind.js', '/404.html'];
    expect(paths).toContain('/overview/');
    for (const path of paths) {
      const answer = await fetch(new URL(path, server.url), { method: 'HEAD' });
      expect([path, answer.status]).toEqual([path, 200]);
      expect([path, answer.headers.get('cross-origin-opener-policy')]).toEqual([path, 'same-origin']);
      expect([path, answer.headers.get('cross-origin-embedder-policy')]).toEqual([path, 'require-corp']);
    }
  });

  it("an address the course does not have answers 404 with the course's not-found page, isolated like the rest", async () => {
    const answer = await fetch(new URL('/no-such-lesson/', server.url));
    expect(answer.status).toBe(404);
    expect(answer.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    const html = await answer.text();
    expect(html).toContain('Page not found');
    expect(html).toMatch(/href="\/overview\/"/);
  });

  it('answers uncompressed, though the browser accepts gzip (over loopback it saves no time and costs CPU), unless told to serve as a static host does', async () => {
    const asBrowser = { headers: { 'Accept-Encoding': 'gzip, deflate, br' } };
    const files = ['/overview/', `/_astro/${readdirSync(join(dist, '_astro')).find((f) => f.endsWith('.js'))}`];
    for (const path of files) {
      const answer = await fetch(new URL(path, server.url), asBrowser);
      expect([path, answer.status, answer.headers.get('content-encoding')]).toEqual([path, 200, null]);
    }
    const asHost = await serveCourse({ root: projectRoot, port: await freePort(), dist, compress: true });
    try {
      const answer = await fetch(new URL('/overview/', asHost.url), asBrowser);
      expect(answer.headers.get('content-encoding')).toBe('gzip');
      expect(await answer.text()).toContain('</html>');
    } finally {
      await asHost.close();
    }
  });

  it('a lesson address without its trailing slash redirects to the lesson', async () => {
    const answer = await fetch(new URL('/overview?runtime=local', server.url), { redirect: 'manual' });
    expect(answer.status).toBe(301);
    expect(answer.headers.get('location')).toBe('/overview/?runtime=local');
  });

  it('publishes every sandbox program under /sandbox/bin/ for WebContainers to mount', async () => {
    const built = readdirSync(join(projectRoot, 'sandboxes', 'dist'))
      .filter((f) => f.endsWith('.js'))
      .map((f) => f.slice(0, -3))
      .sort();
    const programs = (await (await fetch(new URL('/sandbox/bin/programs.json', server.url))).json()) as string[];
    expect(programs).toEqual(built);
    expect(programs).toContain('shell');
    const shell = await fetch(new URL('/sandbox/bin/shell.js', server.url));
    expect(await shell.text()).toBe(readFileSync(join(projectRoot, 'sandboxes', 'dist', 'shell.js'), 'utf8'));
    expect(await (await fetch(new URL('/sandbox/bin/package.json', server.url))).json()).toEqual({ type: 'module' });
  });
});

describe('the course', () => {
  const lessons = readdirSync(join(projectRoot, 'content', 'lessons'))
    .filter((f) => /^[^_].*\.mdx?$/.test(f))
    .map((file) => {
      const front = readFileSync(join(projectRoot, 'content', 'lessons', file), 'utf8').split(/^---$/m)[1] ?? '';
      const slug = file.replace(/\.mdx?$/, '');
      return {
        href: slug === 'index' ? '/' : `/${slug}/`,
        order: Number(/^\s+order:\s*(\d+)/m.exec(front)?.[1] ?? Infinity),
        hidden: /^\s+hidden:\s*true/m.test(front),
      };
    })
    .filter((lesson) => !lesson.hidden)
    .sort((a, b) => a.order - b.order || a.href.localeCompare(b.href));

  it('the sidebar lists every lesson file of content/lessons, in sidebar.order', () => {
    const html = readFileSync(join(dist, 'overview', 'index.html'), 'utf8');
    const start = html.search(/<nav [^>]*aria-label="Main"/);
    const sidebar = html.slice(start, html.indexOf('</nav>', start));
    const links = [...sidebar.matchAll(/<a href="([^"]+)"/g)].map((m) => m[1]);
    expect(links).toEqual(lessons.map((l) => l.href));
  });

  it('the landing page says what the course is and who it is for, and leads to the overview', () => {
    const html = readFileSync(join(dist, 'index.html'), 'utf8');
    expect(html).toContain('What this course is');
    expect(html).toContain('Who it is for');
    expect(html).toMatch(/href="\/overview\/"/);
  });

  it('the overview lesson embeds the two-servers sandbox and a diagram', () => {
    const html = readFileSync(join(dist, 'overview', 'index.html'), 'utf8');
    expect(html).toMatch(/data-sandbox[^>]*data-scenario="two-servers"|data-scenario="two-servers"[^>]*data-sandbox/);
    expect(html).toContain('data-language="mermaid"');
  });

  it('every lesson closes with its learning goals, as its frontmatter states them', () => {
    const withGoals = loadLessons().filter((l) => ((l.frontmatter.goals as string[] | undefined) ?? []).length > 0);
    expect(withGoals.length).toBeGreaterThan(10);
    for (const lesson of withGoals) {
      const html = readFileSync(join(dist, lesson.slug, 'index.html'), 'utf8');
      const section = /<section class="lesson-goals[^>]*>([\s\S]*?)<\/section>/.exec(html)?.[1] ?? '';
      const items = [...section.matchAll(/<li>([\s\S]*?)<\/li>/g)].map((m) =>
        m[1]
          .replace(/<\/?code>/g, '`')
          .replaceAll('&#39;', "'")
          .replaceAll('&amp;', '&'),
      );
      expect([lesson.slug, items]).toEqual([lesson.slug, lesson.frontmatter.goals]);
    }
    expect(readFileSync(join(dist, 'glossary', 'index.html'), 'utf8')).not.toContain('lesson-goals');
  });

  it("a sandbox's summary shows its inline code as code, also without JavaScript", () => {
    const html = readFileSync(join(dist, 'load-balancer', 'index.html'), 'utf8');
    const about = /<p class="sandbox-about[^>]*>([\s\S]*?)<\/p>/.exec(html)?.[1] ?? '';
    expect(about).toMatch(/<code[^>]*>option redispatch<\/code>/);
    expect(about).not.toContain('`');
  });
});
