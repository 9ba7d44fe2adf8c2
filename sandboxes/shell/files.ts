// The files a learner may read and edit: the scenario's files at the top of the session folder (haproxy.cfg...).
// Nothing else: no path may leave the folder (../, absolute paths, a symlink pointing out) and the sandbox's own
// state under .sandbox/ is off limits, so the terminal cannot be used to read or change the machine around it.
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { didYouMean } from '../shared/suggest';

export function sessionFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true })
    .filter((entry) => entry.isFile() && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .sort();
}

/** The absolute path of a session file the learner named, or an error message in the tool's style. */
export function sessionFile(folder: string, name: string): { path: string } | { error: string } {
  const files = sessionFiles(folder);
  const choices = `files here: ${files.join(', ') || 'none'}`;
  const path = resolve(folder, name);
  const inside = relative(folder, path);
  if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) return { error: `${name}: outside the session folder; ${choices}` };
  if (inside.includes(sep) || inside.startsWith('.')) return { error: `${name}: not one of the scenario's files; ${choices}` };
  try {
    // A symlink inside the folder could still point out of it.
    if (relative(realpathSync(folder), realpathSync(path)) !== inside) return { error: `${name}: outside the session folder; ${choices}` };
    if (!statSync(path).isFile()) return { error: `${name}: Is a directory` };
  } catch {
    return { error: `${name}: No such file or directory${didYouMean(name, files) || `; ${choices}`}` };
  }
  return { path };
}
