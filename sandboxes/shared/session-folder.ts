// The session folder is all of the disk a sandbox program may touch. Under the local bridge the programs run on
// the learner's own computer, often as an administrator, and their arguments, config files and environment come
// from a page, a terminal or a pasted config: the bridge sets SANDBOX_ROOT to the session folder, and every path a
// program opens from outside input (`-f haproxy.cfg`, a `crt`, `--data`, the network folder) comes through here.
//
// A path resolves against the working directory, as the real tools resolve it, and must land inside SANDBOX_ROOT.
// One that does not (`..`, an absolute path elsewhere, a symlink pointing out, a hard link to an outside file) is
// refused as a missing file (ENOENT), so each program answers with its real tool's words for a missing file and
// tells nothing about what lies outside. Without SANDBOX_ROOT (a program run by hand in one's own terminal) paths
// are not confined.
//
// Checking a path and then opening it lets another process swap a symlink in between, so a file is opened first
// and the opened handle is what gets checked: a regular file, one link only, and its own real path inside the root.
import {
  closeSync,
  constants,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/** The folder this program is confined to, or undefined when it runs unconfined (by hand). */
export const sessionRoot = (): string | undefined => process.env.SANDBOX_ROOT || undefined;

// strerror(3)'s words, which HAProxy, keepalived and PostgreSQL print after a file name.
const WORDS: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory',
};

/** The C library's words for a failed file operation ("No such file or directory"), as the real tools print them. */
export function strerror(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  return WORDS[code] ?? (error as Error).message;
}

/** An error shaped like node:fs's own, so callers that test `code === 'ENOENT'` need no special case. */
function refused(path: string, code = 'ENOENT', syscall = 'open'): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${WORDS[code]?.toLowerCase() ?? 'refused'}, ${syscall} '${path}'`), {
    code,
    syscall,
    path,
  });
}

function within(root: string, real: string): boolean {
  const inside = relative(root, real);
  return inside === '' || (!isAbsolute(inside) && inside !== '..' && !inside.startsWith(`..${sep}`));
}

/** The root's own real path (a temporary folder may sit behind a symlink, as /tmp does on macOS). */
function realRoot(root: string, path: string): string {
  try {
    return realpathSync(root);
  } catch {
    throw refused(path); // a root that is gone confines to nothing
  }
}

/**
 * Where `path` really points (symlinks followed, `..` resolved): inside the root, or refused as a missing file.
 * A path that does not exist yet is checked through the nearest folder that does.
 */
export function sessionPath(path: string, root = sessionRoot()): string {
  if (typeof path !== 'string' || path === '' || path.includes('\0')) throw refused(String(path));
  const absolute = resolve(path);
  let existing = absolute;
  let rest = '';
  for (;;) {
    try {
      existing = realpathSync(existing);
      break;
    } catch (error) {
      const parent = dirname(existing);
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === existing)
        throw refused(path, root ? 'ENOENT' : (error as NodeJS.ErrnoException).code);
      rest = rest ? join(basename(existing), rest) : basename(existing);
      existing = parent;
    }
  }
  const real = rest ? join(existing, rest) : existing;
  if (root && !within(realRoot(root, path), real)) throw refused(path);
  return real;
}

/** The path the kernel gives an open handle; elsewhere than Linux, the real path of a file with the same identity. */
function handlePath(fd: number, real: string, opened: Stats): string | undefined {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    const again = realpathSync(real);
    const now = statSync(again);
    return now.dev === opened.dev && now.ino === opened.ino ? again : undefined;
  }
}

/** Opens a session file for reading and checks the handle; the caller closes it. */
function openSessionFile(path: string, root: string | undefined): number {
  const real = sessionPath(path, root); // checked before opening, so nothing outside is even opened
  let fd: number;
  try {
    // O_NOFOLLOW: the last part was resolved above and must not have become a symlink since; O_NONBLOCK: a FIFO
    // must not hang the program (it is refused below as not a regular file).
    fd = openSync(real, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    throw refused(path, code in WORDS ? code : 'ENOENT');
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw refused(path, 'EISDIR', 'read');
    if (!stat.isFile()) throw refused(path);
    if (root) {
      // A hard link is the outside file itself under a name inside: only a file with one name is the session's.
      const where = stat.nlink > 1 ? undefined : handlePath(fd, real, stat);
      if (where === undefined || !within(realRoot(root, path), where)) throw refused(path);
    }
    return fd;
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/** A file's text, read through the checks above; throws ENOENT-style errors for anything outside the session. */
export function readSessionFile(path: string, root = sessionRoot()): string {
  const fd = openSessionFile(path, root);
  try {
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/** Whether a session file exists and may be read (HAProxy stats a `crt` file while it parses the config). */
export function sessionFileExists(path: string, root = sessionRoot()): boolean {
  try {
    closeSync(openSessionFile(path, root));
    return true;
  } catch {
    return false;
  }
}

/**
 * Replaces a session file's content: written beside it, then renamed over it, so a symlink or hard link in its
 * place is replaced, never followed, and a reader never sees half a file.
 */
export function writeSessionFile(path: string, text: string, root = sessionRoot()): void {
  if (typeof path !== 'string' || path === '' || path.includes('\0')) throw refused(String(path));
  // The folder is resolved; the name itself is replaced by the rename, never followed.
  const absolute = resolve(path);
  const real = join(sessionPath(dirname(absolute), root), basename(absolute));
  const tmp = `${real}.${process.pid}.tmp`;
  rmSync(tmp, { force: true }); // a leftover (or a planted symlink) is removed, not written through
  writeFileSync(tmp, text, { flag: 'wx' });
  renameSync(tmp, real);
}

/** A folder for the program's own files (a data directory), made if missing; returns its real path. */
export function sessionDirectory(path: string, root = sessionRoot()): string {
  const real = sessionPath(path, root);
  try {
    mkdirSync(real, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    throw refused(path, code === 'EEXIST' ? 'ENOTDIR' : code in WORDS ? code : 'ENOENT', 'mkdir');
  }
  // Made by name: what stands there now must be that folder, with no symlink swapped in meanwhile.
  if (!sameFolder(real)) throw refused(path, 'ENOENT', 'mkdir');
  return real;
}

function sameFolder(real: string): boolean {
  try {
    return realpathSync(real) === real && statSync(real).isDirectory();
  } catch {
    return false;
  }
}
