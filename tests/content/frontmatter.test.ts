import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { lessonFields } from '../../src/integrations/lessons';
import { COURSE } from './course';
import { loadLessons } from './lessons';

const lessons = loadLessons();

// Starlight's fields the course uses, plus the course's own (lessonFields, as src/content.config.ts extends Starlight's
// schema with them): a wrong type here would fail the site build with a less precise message.
const frontmatter = lessonFields
  .extend({
    title: z.string().min(1),
    description: z.string().min(20, 'a one-sentence description for search results and link previews'),
    sidebar: z
      .object({ order: z.number().int().min(0) })
      .partial()
      .optional(),
    goals: z.array(z.string().min(10)).optional(),
  })
  .passthrough();

describe('lesson frontmatter', () => {
  it.each(lessons.map((l) => [l.file, l] as const))('%s has valid frontmatter', (_, lesson) => {
    const parsed = frontmatter.safeParse(lesson.frontmatter);
    expect(
      parsed.success,
      parsed.success
        ? ''
        : `${lesson.file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    ).toBe(true);
  });

  it.each(COURSE.map((o) => [o.slug, o] as const))(
    '%s states its learning goals and embeds a sandbox',
    (slug, outline) => {
      const lesson = lessons.find((l) => l.slug === slug)!;
      const fm = lesson.frontmatter as { goals?: string[] };
      expect(fm.goals?.length ?? 0, `${lesson.file}: learning goals`).toBeGreaterThanOrEqual(2);
      expect(outline.scenarios, `${lesson.file}: <Sandbox scenario="..." /> embeds`).not.toEqual([]);
    },
  );

  it('no two pages share a sidebar position', () => {
    const placed = lessons.flatMap((l) => {
      const order = (l.frontmatter as { sidebar?: { order?: number } }).sidebar?.order;
      return order === undefined ? [] : [{ order, file: l.file }];
    });
    const shared = placed
      .filter((p) => placed.some((q) => q !== p && q.order === p.order))
      .map((p) => `${p.file}: ${p.order}`);
    expect(shared, 'sidebar.order shared by these pages').toEqual([]);
  });
});
