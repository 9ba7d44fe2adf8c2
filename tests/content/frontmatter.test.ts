import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { COURSE } from './course';
import { loadLessons } from './lessons';

const lessons = loadLessons();

// Starlight's fields the course uses, plus the course's own (src/content.config.ts): a wrong type here would fail
// the site build with a less precise message.
const frontmatter = z
  .object({
    title: z.string().min(1),
    description: z.string().min(20, 'a one-sentence description for search results and link previews'),
    sidebar: z.object({ order: z.number().int().min(0) }).partial().optional(),
    scenario: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/)
      .optional(),
    goals: z.array(z.string().min(10)).optional(),
  })
  .passthrough();

describe('lesson frontmatter', () => {
  it.each(lessons.map((l) => [l.file, l] as const))('%s has valid frontmatter', (_, lesson) => {
    const parsed = frontmatter.safeParse(lesson.frontmatter);
    expect(parsed.success, parsed.success ? '' : `${lesson.file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`).toBe(true);
  });

  it.each(COURSE.filter((o) => lessons.some((l) => l.slug === o.slug)).map((o) => [o.slug, o] as const))(
    '%s has its fixed place, scenario, learning goals and sandboxes',
    (slug, outline) => {
      const lesson = lessons.find((l) => l.slug === slug)!;
      const fm = lesson.frontmatter as { sidebar?: { order?: number }; scenario?: string; goals?: string[] };
      expect(fm.sidebar?.order, `${lesson.file}: sidebar.order`).toBe(outline.order);
      expect(fm.scenario, `${lesson.file}: scenario`).toBe(outline.scenarios[0]);
      expect(fm.goals?.length ?? 0, `${lesson.file}: learning goals`).toBeGreaterThanOrEqual(2);
      expect(lesson.sandboxes, `${lesson.file}: <Sandbox scenario="..." /> embeds`).toEqual(outline.scenarios);
    },
  );

  it('no two lessons share a sidebar position', () => {
    const orders = lessons.map((l) => (l.frontmatter as { sidebar?: { order?: number } }).sidebar?.order).filter((o) => o !== undefined);
    expect(new Set(orders).size).toBe(orders.length);
  });
});
