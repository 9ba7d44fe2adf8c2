// The course's lessons: MDX in the top-level content/lessons folder (not src/content), as Starlight's docs
// collection. Adding content/lessons/<slug>.mdx with `sidebar.order` is all it takes to add a lesson.
import { defineCollection } from 'astro:content';
import { glob } from 'astro/loaders';
import { z } from 'astro/zod';
import { i18nLoader } from '@astrojs/starlight/loaders';
import { docsSchema, i18nSchema } from '@astrojs/starlight/schema';

export const lessonFields = z.object({
  /** The sandbox scenario the lesson embeds (sandboxes/scenarios/<name>.ts), if any. */
  scenario: z
    .string()
    .regex(/^[a-z][a-z0-9-]*$/, 'a scenario is named like its file in sandboxes/scenarios, e.g. "two-servers"')
    .optional(),
  /** What the learner will be able to do after the lesson. */
  goals: z.array(z.string()).default([]),
});

export const collections = {
  docs: defineCollection({
    loader: glob({ base: './content/lessons', pattern: '**/[^_]*.{md,mdx}' }),
    schema: docsSchema({ extend: lessonFields }),
  }),
  // Starlight's interface strings ("On this page", "Next"...), overridden per language in src/content/i18n/<lang>.json.
  // en.json overrides none yet; it is there because Starlight reads this collection on every page and Astro warns
  // in every build about a collection with no entry.
  i18n: defineCollection({ loader: i18nLoader(), schema: i18nSchema() }),
};
