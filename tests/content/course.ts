// The course's outline, derived from the lessons themselves (content/lessons/*.mdx): every page but the reference
// pages, in sidebar order (the frontmatter's sidebar.order, which Starlight's sidebar follows too), with the
// scenarios of its <Sandbox /> tags in page order. There is no second list of lessons: outline.test.ts pins the
// derived outline with a snapshot, so a change to the course shows in review.
import { loadLessons } from './lessons';

export interface Outline {
  slug: string;
  title: string;
  /** The lesson's sidebar.order. */
  order: number;
  /** The scenarios of its <Sandbox scenario="..." /> tags, in page order. */
  scenarios: string[];
}

/** The pages that are not lessons: the home page and the glossary the lessons link to. */
export const REFERENCE_PAGES = ['index', 'glossary'];

export const COURSE: Outline[] = loadLessons()
  .filter((lesson) => !REFERENCE_PAGES.includes(lesson.slug))
  .map((lesson) => {
    const { title, sidebar } = lesson.frontmatter as { title: string; sidebar?: { order?: number } };
    return { slug: lesson.slug, title, order: sidebar?.order ?? Infinity, scenarios: lesson.sandboxes };
  })
  .sort((a, b) => a.order - b.order);

/** Every lesson after the first (the overview, a tour of the course), written to the full lesson template (goals, exercises, real tools, quiz...). */
export const TEMPLATE_LESSONS = COURSE.slice(1);
