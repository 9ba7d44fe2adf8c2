// The lessons' shape as a learner meets it (issue #14, review section 3): a sandbox to act in within the first
// 600 words, at least one "find it / fix it" challenge and one prediction per lesson, the real tools' details folded
// away, a one-screen summary, and no lesson cited by a number that moves when the outline changes.
import { describe, expect, it } from 'vitest';
import type { Scenario } from '../../sandboxes/contracts/scenario';
import { TEMPLATE_LESSONS } from './course';
import { loadLessons, wordsBeforeFirstSandbox } from './lessons';

const lessons = loadLessons();
const lesson = (slug: string) => lessons.find((l) => l.slug === slug)!;
const scenario = async (name: string) => (await import(`../../sandboxes/scenarios/${name}.ts`)).default as Scenario;

/** The most a learner reads before the lesson's first sandbox, in words (frontmatter excluded). */
const WORDS_BEFORE_FIRST_SANDBOX = 600;

/** The lines of a lesson's h2 section, without its heading; undefined when it has none of that name. */
function section(source: string, title: string): string | undefined {
  const lines = source.split('\n');
  const start = lines.findIndex((l) => l.trim() === `## ${title}`);
  if (start < 0) return undefined;
  const end = lines.findIndex((l, i) => i > start && /^## /.test(l));
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

describe('every lesson is something a learner does', () => {
  const slugs = TEMPLATE_LESSONS.map((o) => [o.slug, o] as const);

  it.each(slugs)(`%s puts its first sandbox within the first ${WORDS_BEFORE_FIRST_SANDBOX} words`, (slug) => {
    const { source } = lesson(slug);
    expect(source, `${slug} has no <Sandbox>`).toMatch(/^<Sandbox/m);
    expect(wordsBeforeFirstSandbox(source)).toBeLessThanOrEqual(WORDS_BEFORE_FIRST_SANDBOX);
  });

  it.each(slugs)('%s has a challenge and a prediction, in the scenarios it embeds', async (slug, outline) => {
    const scenarios = await Promise.all(outline.scenarios.map(scenario));
    expect(
      scenarios.flatMap((s) => s.goals.filter((g) => g.challenge).map((g) => `${s.name}/${g.id}`)),
      `${slug}: challenges`,
    ).not.toEqual([]);
    expect(
      scenarios.flatMap((s) => (s.predictions ?? []).map((p) => `${s.name}/${p.id}`)),
      `${slug}: predictions`,
    ).not.toEqual([]);
  });

  it.each(slugs)('%s folds what the real tools do into expandable sections', (slug) => {
    const realTools = section(lesson(slug).source, 'What the real tools do');
    expect(realTools, `${slug}: ## What the real tools do`).toBeDefined();
    expect(realTools).toMatch(/<details>\s*\n?\s*<summary>/);
  });

  it.each(slugs)('%s ends with a one-screen summary card: 4 to 8 points, at most 150 words', (slug) => {
    const summary = section(lesson(slug).source, 'Summary');
    expect(summary, `${slug}: ## Summary`).toBeDefined();
    const points = summary!.split('\n').filter((l) => /^\s*[-*] /.test(l));
    expect(points.length).toBeGreaterThanOrEqual(4);
    expect(points.length).toBeLessThanOrEqual(8);
    expect(summary!.split(/\s+/).filter(Boolean).length).toBeLessThanOrEqual(150);
  });

  it('no lesson cites another by its number, which moves when the outline changes (by its title instead)', () => {
    const cited = lessons.flatMap((l) =>
      l.source
        .split('\n')
        .flatMap((line, i) =>
          [...line.matchAll(/\b[Ll]essons? \d+\b|\[\d+\]\(\.\.\/[a-z-]+\/\)/g)].map(
            (m) => `${l.file}:${i + 1}: ${m[0]}`,
          ),
        ),
    );
    expect(cited).toEqual([]);
  });
});
