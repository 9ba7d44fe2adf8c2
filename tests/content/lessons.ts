// Reads the course's lessons (content/lessons/*.mdx) the way the content checks need them: frontmatter, headings
// with the ids the site gives them, fenced code blocks, links, sandbox embeds and quizzes. Plain text scanning is
// enough for these checks; the site build itself compiles the MDX.
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import GithubSlugger from 'github-slugger';
import { parse as parseYaml } from 'yaml';
import { LESSONS_DIR, lessonFiles, sandboxScenarios } from '../../src/integrations/lessons';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const lessonsDir = join(root, LESSONS_DIR);

export interface CodeBlock {
  lang: string;
  /** Everything after the language on the opening fence, e.g. `title="haproxy.cfg"`. */
  meta: string;
  title?: string;
  body: string;
  /** 1-based line of the opening fence in the lesson file. */
  line: number;
}

export interface Heading {
  depth: number;
  text: string;
  /** The id the site gives the heading (github-slugger over its text, as Astro's Markdown does). */
  id: string;
  line: number;
}

export interface Link {
  href: string;
  line: number;
}

export interface Lesson {
  /** File name without .mdx: the page's id and URL segment (`index` is the home page). */
  slug: string;
  file: string;
  source: string;
  frontmatter: Record<string, unknown>;
  headings: Heading[];
  blocks: CodeBlock[];
  links: Link[];
  /** `scenario` of every <Sandbox scenario="..." /> in the page, in page order (read as the build checks them). */
  sandboxes: string[];
  /** The source of every <Quiz questions={...} /> expression. */
  quizzes: { expression: string; line: number }[];
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)\s*(.*)$/;

/** The page's URL path: `/` for index, `/<slug>/` for the others (Starlight's docs routes). */
export function pathOf(slug: string): string {
  return slug === 'index' ? '/' : `/${slug}/`;
}

export function loadLesson(file: string): Lesson {
  const source = readFileSync(join(lessonsDir, file), 'utf8');
  const lines = source.split('\n');
  let body = 0;
  let frontmatter: Record<string, unknown> = {};
  if (lines[0] === '---') {
    const end = lines.indexOf('---', 1);
    if (end < 0) throw new Error(`${file}: the frontmatter opened on line 1 is never closed with ---`);
    frontmatter = (parseYaml(lines.slice(1, end).join('\n')) ?? {}) as Record<string, unknown>;
    body = end + 1;
  }

  const slugger = new GithubSlugger();
  const headings: Heading[] = [];
  const blocks: CodeBlock[] = [];
  const links: Link[] = [];
  let open: { fence: string; indent: string; block: CodeBlock; lines: string[] } | undefined;

  for (let i = body; i < lines.length; i++) {
    const text = lines[i];
    const fence = FENCE.exec(text);
    if (open) {
      if (
        fence &&
        fence[2].startsWith(open.fence[0]) &&
        fence[2].length >= open.fence.length &&
        !fence[3] &&
        !fence[4]
      ) {
        open.block.body = open.lines.join('\n') + '\n';
        blocks.push(open.block);
        open = undefined;
      } else {
        open.lines.push(text.startsWith(open.indent) ? text.slice(open.indent.length) : text);
      }
      continue;
    }
    if (fence) {
      const meta = fence[4].trim();
      const title = /title="([^"]*)"/.exec(meta)?.[1];
      open = {
        fence: fence[2],
        indent: fence[1],
        lines: [],
        block: { lang: fence[3], meta, title, body: '', line: i + 1 },
      };
      continue;
    }
    const heading = /^(#{1,6})\s+(.+?)\s*#*\s*$/.exec(text);
    if (heading) {
      const plain = inlineText(heading[2]);
      headings.push({ depth: heading[1].length, text: plain, id: slugger.slug(plain), line: i + 1 });
    }
    for (const m of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) links.push({ href: m[1], line: i + 1 });
    for (const m of text.matchAll(/\bhref="([^"]+)"/g)) links.push({ href: m[1], line: i + 1 });
  }
  if (open) throw new Error(`${file}:${open.block.line}: code fence ${open.fence} is never closed`);

  const sandboxes = sandboxScenarios(source);
  const quizzes = [...source.matchAll(/<Quiz\b/g)].map((m) => ({
    expression: quizExpression(source, m.index!, file),
    line: source.slice(0, m.index).split('\n').length,
  }));
  return { slug: file.replace(/\.mdx?$/, ''), file, source, frontmatter, headings, blocks, links, sandboxes, quizzes };
}

export function loadLessons(): Lesson[] {
  return lessonFiles(root).map(loadLesson);
}

/** Heading text as a reader sees it: Markdown emphasis, code ticks and link syntax removed. */
function inlineText(markdown: string): string {
  return markdown
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[`*]/g, '')
    .trim();
}

/** The JavaScript expression inside `questions={...}` of the <Quiz at `start`, by matching brackets. */
function quizExpression(source: string, start: number, file: string): string {
  const attr = source.indexOf('questions={', start);
  if (attr < 0) throw new Error(`${file}: <Quiz> without a questions={...} attribute`);
  let depth = 0;
  let quote: string | undefined;
  for (let i = attr + 'questions='.length; i < source.length; i++) {
    const c = source[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return source.slice(attr + 'questions={'.length, i);
    }
  }
  throw new Error(`${file}: the questions={...} of a <Quiz> is never closed`);
}

/** Evaluates a quiz's questions expression: a literal array of objects, as written in the lesson. */
export function evaluateQuiz(expression: string): unknown {
  return new Function(`"use strict"; return (${expression});`)();
}

/** Every block that is an HAProxy configuration: ```haproxy, or any fence titled haproxy.cfg. */
export function haproxyBlocks(lesson: Lesson): CodeBlock[] {
  return lesson.blocks.filter((b) => b.lang === 'haproxy' || b.title === 'haproxy.cfg');
}

/** The words a learner reads before the lesson's first sandbox: from the frontmatter's end to the first `<Sandbox`. */
export function wordsBeforeFirstSandbox(source: string): number {
  const body = source.replace(/^---\n[\s\S]*?\n---\n/, '');
  const before = body.slice(0, Math.max(0, body.search(/^<Sandbox/m)));
  return before.split(/\s+/).filter(Boolean).length;
}
