// The project's real import graph, read with the TypeScript compiler's own import scanner (ts.preProcessFile): every
// static import, `export … from`, `import type` and dynamic import() of the sandboxes (sandboxes/) and of the page
// (src/, including the frontmatter and <script> blocks of .astro files). Only relative specifiers name project files;
// everything else is a library.
import ts from 'typescript';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
const SCANNED = ['sandboxes', 'src'];
const SKIPPED = new Set(['node_modules', 'dist']);
const SOURCE = /\.(ts|mts|mjs|js|astro)$/;

export interface Edge {
  from: string; // file, relative to the repository, with forward slashes
  to: string;
}

function sourceFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (SKIPPED.has(name)) return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return SOURCE.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The script parts of an .astro file: its frontmatter and its <script> blocks. */
function scriptOf(path: string, text: string): string {
  if (!path.endsWith('.astro')) return text;
  const frontmatter = /^---\r?\n([\s\S]*?)\r?\n---/.exec(text)?.[1] ?? '';
  const scripts = [...text.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
  return [frontmatter, ...scripts].join('\n');
}

const CANDIDATES = ['', '.ts', '.mts', '.mjs', '.js', '.astro', '/index.ts', '/index.mjs'];

function resolveRelative(fromFile: string, specifier: string): string | undefined {
  const base = resolve(dirname(fromFile), specifier.replace(/\?.*$/, ''));
  // `./x.js` written for ESM may stand for x.ts.
  const stems = /\.m?js$/.test(base) ? [base, base.replace(/\.(m?)js$/, '.$1ts')] : [base];
  for (const stem of stems) {
    for (const suffix of CANDIDATES) {
      const candidate = stem + suffix;
      if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
    }
  }
  return undefined;
}

const repoPath = (path: string) => relative(ROOT, path).split(sep).join('/');

/** Every import between project files; `unresolved` lists relative specifiers that name no file (a broken import). */
export function importGraph(): { files: string[]; edges: Edge[]; unresolved: string[] } {
  const files = SCANNED.flatMap((folder) => sourceFiles(join(ROOT, folder)));
  const edges: Edge[] = [];
  const unresolved: string[] = [];
  for (const file of files) {
    const text = scriptOf(file, readFileSync(file, 'utf8'));
    const { importedFiles } = ts.preProcessFile(text, true, true);
    for (const { fileName: specifier } of importedFiles) {
      if (!specifier.startsWith('.')) continue; // a library or node: builtin
      const target = resolveRelative(file, specifier);
      if (target === undefined) unresolved.push(`${repoPath(file)} → ${specifier}`);
      else edges.push({ from: repoPath(file), to: repoPath(target) });
    }
  }
  return { files: files.map(repoPath), edges, unresolved };
}

/** The folder a file belongs to for layering: its first two folders (sandboxes/store, src/sandbox), or its top one. */
export function folderOf(file: string): string {
  const parts = file.split('/');
  return parts.length > 2 ? parts.slice(0, 2).join('/') : parts[0];
}

/** Folder → the folders it imports (itself excluded). */
export function folderGraph(edges: Edge[]): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const { from, to } of edges) {
    const [a, b] = [folderOf(from), folderOf(to)];
    if (!graph.has(a)) graph.set(a, new Set());
    if (!graph.has(b)) graph.set(b, new Set());
    if (a !== b) graph.get(a)!.add(b);
  }
  return graph;
}

/**
 * Every elementary cycle of the folder graph, each written once starting from its smallest folder name
 * (`a → b → a`). The graph has a few dozen folders, so a depth-first search from each start is enough.
 */
export function cycles(graph: Map<string, Set<string>>): string[][] {
  const found: string[][] = [];
  const names = [...graph.keys()].sort();
  for (const start of names) {
    const path = [start];
    const walk = (at: string) => {
      for (const next of [...(graph.get(at) ?? [])].sort()) {
        if (next === start) found.push([...path, start]);
        // Only through folders that sort after the start, so each cycle is found from its smallest folder only.
        else if (next > start && !path.includes(next)) {
          path.push(next);
          walk(next);
          path.pop();
        }
      }
    };
    walk(start);
  }
  return found;
}
