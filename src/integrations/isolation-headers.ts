// The built site must tell static hosts to send the cross-origin isolation headers with every file: without them a
// WebContainer cannot boot, and on a static host there is no other runtime. dist/_headers (from public/_headers) is
// the file Netlify and Cloudflare Pages read; the build fails when it is missing or lacks either header for `/*`.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ISOLATION_HEADERS } from '../runtime/local/vite-plugin.ts';

/** What is wrong with `dir`'s _headers file, one sentence per fault; empty when it sends both headers for every path. */
export function isolationHeaderFaults(dir: string): string[] {
  const file = join(dir, '_headers');
  if (!existsSync(file)) return [`${file} is missing: copy public/_headers back (it ships with the course)`];
  // The format: a path at the start of a line, then its headers indented below it as `Name: value`.
  const forEveryPath = new Map<string, string>();
  let path = '';
  for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
    if (!line.trim() || line.trimStart().startsWith('#')) continue;
    if (!/^\s/.test(line)) path = line.trim();
    else if (path === '/*') {
      const colon = line.indexOf(':');
      if (colon > 0) forEveryPath.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
  }
  return Object.entries(ISOLATION_HEADERS)
    .filter(([name, value]) => forEveryPath.get(name.toLowerCase()) !== value)
    .map(([name, value]) => `${file} does not send "${name}: ${value}" for /*`);
}
