import { describe, expect, it } from 'vitest';
import { TEMPLATE_LESSONS } from './course';
import { loadLessons } from './lessons';

const lessons = loadLessons();
const templated = TEMPLATE_LESSONS.map((o) => [o.slug, lessons.find((l) => l.slug === o.slug)] as const);

// The sections every lesson from 2 to 11 has, so learners, exercisers and instructors find the same things in the
// same places.
const SECTIONS = [
  'What you will learn',
  'Exercises',
  'What the real tools do',
  'Where the sandbox simplifies',
  'Terms in this lesson',
];

describe('lesson structure', () => {
  it.each(templated)('%s has the lesson sections', (slug, lesson) => {
    expect(lesson, `content/lessons/${slug}.mdx is missing`).toBeDefined();
    const texts = lesson!.headings.map((h) => h.text);
    for (const section of SECTIONS) {
      // Lessons with several sandboxes put their exercises under each "Try it" heading instead.
      if (section === 'Exercises' && texts.some((t) => /^Exercise \d/.test(t))) continue;
      expect(texts, `${lesson!.file}: heading "${section}"`).toContain(section);
    }
  });

  it.each(templated)('%s never skips a heading level (h2, then h3, ...)', (_, lesson) => {
    let depth = 1; // the page title is the h1
    for (const h of lesson!.headings) {
      expect(h.depth, `${lesson!.file}:${h.line} "${h.text}" jumps from h${depth} to h${h.depth}`).toBeLessThanOrEqual(
        depth + 1,
      );
      depth = h.depth;
    }
    expect(
      lesson!.headings.some((h) => h.depth === 1),
      `${lesson!.file}: the title is the only h1`,
    ).toBe(false);
  });

  it.each(templated)(
    '%s has a diagram described in words, the sandbox, and copyable real configuration',
    (_, lesson) => {
      const blocks = lesson!.blocks;
      expect(
        blocks.filter((b) => b.lang === 'mermaid').length,
        `${lesson!.file}: mermaid diagram`,
      ).toBeGreaterThanOrEqual(1);
      expect(lesson!.sandboxes.length, `${lesson!.file}: <Sandbox />`).toBeGreaterThanOrEqual(1);
      expect(lesson!.source).toContain("import Sandbox from '../../src/components/Sandbox.astro';");
      expect(lesson!.source).toContain("import Quiz from '../../src/components/Quiz.astro';");
      const realConfig = blocks.filter((b) => b.lang !== 'mermaid' && b.lang !== 'txt');
      expect(
        realConfig.length,
        `${lesson!.file}: configuration or commands under "What the real tools do"`,
      ).toBeGreaterThanOrEqual(1);
      // The sentence before each diagram describes it for readers who cannot see it.
      for (const block of blocks.filter((b) => b.lang === 'mermaid')) {
        const before = lesson!.source
          .split('\n')
          .slice(0, block.line - 1)
          .join('\n')
          .trimEnd();
        const paragraph = before.slice(before.lastIndexOf('\n\n') + 2);
        expect(
          paragraph.length,
          `${lesson!.file}:${block.line}: a sentence describing the diagram just before it`,
        ).toBeGreaterThan(80);
      }
    },
  );

  // The seed text's errors the lessons correct explicitly, each in a "The common explanation gets this wrong" note.
  const CORRECTIONS: Record<string, RegExp[]> = {
    'second-server': [
      /health checks/,
      /balancer becomes the new single point of failure/i,
      /"Equally" is not guaranteed/,
    ],
    'round-robin': [/HAProxy 3\.3 and later use \*\*`random`\*\*/, /equal [*_]number[*_]/],
    'active-passive': [/Nobody wants a \*\*high\*\* response time/, /\*\*capacity\*\*/],
    'primary-replica': [/Master-Slave/, /\*\*A replica is not a backup\.\*\*/],
    failover: [/Nothing takes over by itself/],
    'primary-vs-replica': [/cannot accept writes at all/, /\*\*diverged\*\*/],
    spof: [/\*\*nothing\*\* is served/],
    firewall: [/does not\s+stop a \*\*distributed denial of service\*\*/],
    tls: [/\*\*TLS\*\*, SSL's successor/, /A certificate\s+only proves the server's identity/],
    monitoring: [/\*\*hides\*\*/],
  };
  it.each(Object.entries(CORRECTIONS))('%s corrects the common explanation explicitly', (slug, claims) => {
    const lesson = lessons.find((l) => l.slug === slug)!;
    const note = /:::caution\[The common explanation gets this wrong\]\n([\s\S]*?)\n:::/.exec(lesson.source);
    expect(note, `${lesson.file}: a :::caution[The common explanation gets this wrong] note`).not.toBeNull();
    for (const claim of claims) expect(note![1]).toMatch(claim);
  });
});
