import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TEMPLATE_LESSONS } from './course';
import { loadLessons, pathOf, root, type Lesson } from './lessons';

const lessons = loadLessons();
const byPath = new Map(lessons.map((l) => [pathOf(l.slug), l]));

/** The ids a page offers as link targets: its headings, and any explicit id="..." in its source. */
function anchors(lesson: Lesson): Set<string> {
  return new Set([
    ...lesson.headings.map((h) => h.id),
    ...[...lesson.source.matchAll(/\bid="([^"{}]+)"/g)].map((m) => m[1]),
    '_top',
  ]);
}

/** Why an internal link does not resolve, or undefined when it does. External links are not checked here. */
function brokenReason(from: Lesson, href: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(href)) return undefined;
  const url = new URL(href, `https://course.invalid${pathOf(from.slug)}`);
  const target = byPath.get(url.pathname) ?? byPath.get(`${url.pathname}/`);
  if (!target) {
    if (existsSync(join(root, 'public', decodeURIComponent(url.pathname)))) return undefined;
    return `no lesson page at ${url.pathname}`;
  }
  if (url.pathname !== pathOf(target.slug))
    return `write ${pathOf(target.slug)} (with the trailing slash), not ${url.pathname}`;
  const fragment = decodeURIComponent(url.hash.slice(1));
  if (fragment && !anchors(target).has(fragment)) return `${target.file} has no heading with id "${fragment}"`;
  return undefined;
}

describe('links between lessons', () => {
  it.each(lessons.map((l) => [l.file, l] as const))(
    'every internal link in %s resolves to a page and heading',
    (_, lesson) => {
      const broken = lesson.links
        .map((link) => ({ link, reason: brokenReason(lesson, link.href) }))
        .filter((b) => b.reason)
        .map(({ link, reason }) => `${lesson.file}:${link.line}: ${link.href}: ${reason}`);
      expect(broken).toEqual([]);
    },
  );

  it.each(TEMPLATE_LESSONS.map((o) => [o.slug] as const))('%s links its terms to the glossary', (slug) => {
    const lesson = lessons.find((l) => l.slug === slug);
    expect(lesson, `content/lessons/${slug}.mdx is missing`).toBeDefined();
    const glossaryLinks = lesson!.links.filter((l) => /(^|\/)glossary\/#/.test(l.href));
    expect(glossaryLinks.length).toBeGreaterThanOrEqual(5);
  });

  it('every glossary term is a heading with its own id, and every term is linked from a lesson', () => {
    const glossary = lessons.find((l) => l.slug === 'glossary')!;
    const terms = glossary.headings.filter((h) => h.depth === 3);
    expect(terms.length).toBeGreaterThan(40);
    expect(new Set(terms.map((t) => t.id)).size).toBe(terms.length);
    const linked = new Set(
      lessons.flatMap((l) => l.links.map((link) => /glossary\/#(.+)$/.exec(link.href)?.[1]).filter(Boolean)),
    );
    const orphans = terms.filter((t) => !linked.has(t.id)).map((t) => t.text);
    expect(orphans, 'glossary terms no lesson (nor another entry) links to').toEqual([]);
  });
});
