// The course's lessons: MDX in the top-level content/lessons folder (not src/content), as Starlight's docs
// collection. A lesson is that one file: see src/integrations/lessons.ts and CONTRIBUTING.md, "Add a lesson".
import { defineCollection } from 'astro:content';
import { glob } from 'astro/loaders';
import { i18nLoader } from '@astrojs/starlight/loaders';
import { docsSchema, i18nSchema } from '@astrojs/starlight/schema';
import { LESSONS_DIR, lessonFields } from './integrations/lessons';

export const collections = {
  docs: defineCollection({
    loader: glob({ base: `./${LESSONS_DIR}`, pattern: '**/[^_]*.{md,mdx}' }),
    schema: docsSchema({ extend: lessonFields }),
  }),
  // Starlight's interface strings ("On this page", "Next"...), overridden per language in src/content/i18n/<lang>.json.
  // en.json overrides none yet; it is there because Starlight reads this collection on every page and Astro warns
  // in every build about a collection with no entry.
  i18n: defineCollection({ loader: i18nLoader(), schema: i18nSchema() }),
};
