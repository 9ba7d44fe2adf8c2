// A lesson is one MDX file in content/lessons: its frontmatter (title, sidebar.order, goals) and its <Sandbox> tags
// are the only place it is wired. The sidebar is Starlight's, from sidebar.order; the tests' course outline
// (tests/content/course.ts) is derived from the same files; and lessonCheck fails the build when a lesson embeds a
// scenario the registry (sandboxes/scenarios/index.ts) does not have.
import type { AstroIntegration } from 'astro';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'astro/zod';

/** The course's own frontmatter fields, beside Starlight's (src/content.config.ts extends its docs schema with them). */
export const lessonFields = z.object({
  /** What the learner will be able to do after the lesson, shown at its end as a self-check (src/components/Footer.astro). */
  goals: z.array(z.string()).default([]),
});

/** The folder of the course's pages, from the project root (also Starlight's sidebar directory). */
export const LESSONS_DIR = 'content/lessons';

/** The one form a sandbox is embedded in, so that every reader of the lessons finds the same scenarios. */
const SANDBOX_TAG = /^<Sandbox scenario="([a-z][a-z0-9-]*)" \/>$/;

export interface SandboxTag {
  /** 1-based line of the tag in the lesson file. */
  line: number;
  /** The scenario it embeds; undefined when the tag is not written `<Sandbox scenario="name" />` on a line of its own. */
  scenario?: string;
  text: string;
}

/** Every <Sandbox /> in a lesson's source, in page order. */
export function sandboxTags(source: string): SandboxTag[] {
  return source
    .split('\n')
    .flatMap((text, i) =>
      /<Sandbox\b/.test(text) ? [{ line: i + 1, scenario: SANDBOX_TAG.exec(text.trim())?.[1], text: text.trim() }] : [],
    );
}

/** The scenarios a lesson embeds, in page order. */
export const sandboxScenarios = (source: string): string[] =>
  sandboxTags(source).flatMap((tag) => (tag.scenario ? [tag.scenario] : []));

/** The pages' file names in content/lessons under `root`, sorted (a leading `_` keeps a file out, as in the collection). */
export function lessonFiles(root: string): string[] {
  return readdirSync(join(root, LESSONS_DIR))
    .filter((f) => /\.mdx?$/.test(f) && !f.startsWith('_'))
    .sort();
}

/** What is wrong with the sandboxes of the lessons under `root`: one sentence per fault, naming the file and line. */
export function lessonFaults(root: string, known: string[]): string[] {
  return lessonFiles(root).flatMap((file) =>
    sandboxTags(readFileSync(join(root, LESSONS_DIR, file), 'utf8')).flatMap(({ line, scenario, text }) => {
      const at = `${LESSONS_DIR}/${file}:${line}`;
      if (scenario === undefined)
        return [`${at}: write the sandbox as <Sandbox scenario="name" /> on a line of its own, not ${text}`];
      if (!known.includes(scenario))
        return [
          `${at}: <Sandbox scenario="${scenario}" />: there is no scenario "${scenario}" in sandboxes/scenarios/index.ts (known: ${[...known].sort().join(', ')})`,
        ];
      return [];
    }),
  );
}

/**
 * Fails `astro build`, `astro dev` and `astro sync` with every faulty sandbox tag in the lessons, named by file, before
 * a page is rendered. `known`: the scenarios a <Sandbox /> can start (the registry's names).
 */
export function lessonCheck(known: string[]): AstroIntegration {
  return {
    name: 'lesson-check',
    hooks: {
      'astro:config:setup': ({ config }) => {
        const faults = lessonFaults(fileURLToPath(config.root), known);
        if (faults.length) throw new Error(`The lessons embed sandboxes that cannot start:\n${faults.join('\n')}`);
      },
    },
  };
}
