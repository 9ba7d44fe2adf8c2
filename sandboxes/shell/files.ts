// The files a learner may read and edit: the scenario's files at the top of the session folder (haproxy.cfg...).
// Nothing else: no path may leave the folder (../, absolute paths, a symlink pointing out) and the sandbox's own
// state under .sandbox/ is off limits, so the terminal cannot be used to read or change the machine around it.
// The file is read and written through ../shared/session-folder.ts, the sandbox's one confinement rule, with the
// session folder as the root even when the shell runs by hand.
import { lstatSync, readdirSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { readSessionFile, strerror } from '../shared/session-folder';
import { didYouMean } from '../shared/suggest';

export function sessionFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true })
    .filter((entry) => entry.isFile() && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .sort();
}

/** A session file the learner named, with its text, or an error message in the tool's style. */
export function sessionFile(folder: string, name: string): { path: string; text: string } | { error: string } {
  const files = sessionFiles(folder);
  const choices = `files here: ${files.join(', ') || 'none'}`;
  const path = resolve(folder, name);
  const inside = relative(folder, path);
  if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside))
    return { error: `${name}: outside the session folder; ${choices}` };
  if (inside.includes(sep) || inside.startsWith('.'))
    return { error: `${name}: not one of the scenario's files; ${choices}` };
  try {
    // A symlink or a hard link inside the folder could still lead out of it: it reads as a missing file.
    return { path, text: readSessionFile(path, folder) };
  } catch (error) {
    // The name is here but what it leads to is refused: a link out of the folder.
    if (files.includes(inside) || isLink(path)) return { error: `${name}: outside the session folder; ${choices}` };
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    return { error: `${name}: ${strerror(error)}${missing ? didYouMean(name, files) || `; ${choices}` : ''}` };
  }
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
