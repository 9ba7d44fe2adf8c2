// The page's file operations inside a session folder, free of check-then-act races. A program of the session may
// swap any folder or file for a symbolic link (or a hard link to a file outside) at any moment, so nothing is checked
// by path and then used by path again:
//   - every folder is opened one segment at a time, relative to the folder opened before (on Linux through
//     /proc/self/fd/<n>/<name>, a lookup beneath an open folder as openat(2) does), with O_NOFOLLOW, and created
//     one segment at a time when missing: no symbolic link is ever followed, wherever it appears;
//   - the file itself is opened with O_NOFOLLOW and O_NONBLOCK (a FIFO never blocks the bridge), then its open handle
//     is checked: a regular file with one link (a hard link to a file outside has two), and only then read, or
//     truncated and written.
// Elsewhere than Linux each segment is opened by its full path with O_NOFOLLOW, which leaves a narrow window between
// segments; the handle checks still apply.
import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

const { O_RDONLY, O_WRONLY, O_CREAT, O_NOFOLLOW, O_NONBLOCK, O_DIRECTORY } = constants;
const BENEATH = process.platform === 'linux';

/** Why a file operation of the page was refused, in words for the page. */
export class RefusedError extends Error {}

/** A page path ('/conf/a.txt', 'haproxy.cfg') as segments; '/' alone is the folder itself, as in a WebContainer. */
export function segmentsOf(path: string): string[] {
  if (path.includes('\0')) throw new RefusedError(`refused path '${path}': it contains a NUL byte`);
  const segments = path.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) throw new RefusedError(`refused path '${path}': it leaves the session folder`);
  return segments;
}

function refused(error: NodeJS.ErrnoException, path: string): Error {
  if (error.code === 'ELOOP')
    return new RefusedError(`refused path '${path}': it is, or goes through, a symbolic link`);
  if (error.code === 'ENOTDIR') return new RefusedError(`refused path '${path}': a part of it is not a folder`);
  if (error.code === 'ENOENT') return new RefusedError(`no such file: '${path}'`);
  return error;
}

/** Opens the folder `segments` below `root`, never through a symbolic link; with `create`, makes the missing ones. */
async function openFolder(root: string, segments: string[], create: boolean, path: string): Promise<FileHandle> {
  let folder = await open(root, O_RDONLY | O_DIRECTORY);
  let reached = root;
  try {
    for (const segment of segments) {
      reached = join(reached, segment);
      const at = BENEATH ? `/proc/self/fd/${folder.fd}/${segment}` : reached;
      const next = await open(at, O_RDONLY | O_DIRECTORY | O_NOFOLLOW).catch(async (error: NodeJS.ErrnoException) => {
        // O_DIRECTORY answers ENOTDIR for a symbolic link; say which it was (the refusal itself does not depend on it).
        if (error.code === 'ENOTDIR' && (await lstat(at).catch(() => null))?.isSymbolicLink()) error.code = 'ELOOP';
        if (error.code !== 'ENOENT' || !create) throw error;
        await mkdir(at).catch((made: NodeJS.ErrnoException) => {
          if (made.code !== 'EEXIST') throw made;
        });
        return open(at, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
      });
      await folder.close();
      folder = next;
    }
    return folder;
  } catch (error) {
    await folder.close();
    throw refused(error as NodeJS.ErrnoException, path);
  }
}

/** Opens a file of the session for reading or writing, and checks the open handle before anything is done with it. */
async function openFile(root: string, path: string, mode: 'read' | 'write'): Promise<FileHandle> {
  const segments = segmentsOf(path);
  const name = segments.pop();
  if (!name) throw new RefusedError(`refused path '${path}': it is the session folder, not a file`);
  const folder = await openFolder(root, segments, mode === 'write', path);
  let file: FileHandle;
  try {
    const flags = (mode === 'read' ? O_RDONLY : O_WRONLY | O_CREAT) | O_NOFOLLOW | O_NONBLOCK;
    file = await open(BENEATH ? `/proc/self/fd/${folder.fd}/${name}` : join(root, ...segments, name), flags, 0o644);
  } catch (error) {
    throw refused(error as NodeJS.ErrnoException, path);
  } finally {
    await folder.close();
  }
  const stat = await file.stat();
  if (!stat.isFile() || stat.nlink > 1) {
    await file.close();
    throw new RefusedError(
      `refused path '${path}': it is ${stat.isFile() ? 'a hard link to a file that may be outside the session folder' : 'not a regular file'}`,
    );
  }
  return file;
}

export async function readInside(root: string, path: string): Promise<string> {
  const file = await openFile(root, path, 'read');
  try {
    return await file.readFile('utf8');
  } finally {
    await file.close();
  }
}

/** Writes a file, its folders made as needed. */
export async function writeInside(root: string, path: string, contents: string): Promise<void> {
  const file = await openFile(root, path, 'write');
  try {
    await file.truncate(0);
    await file.writeFile(contents);
  } finally {
    await file.close();
  }
}

export async function makeFolderInside(root: string, path: string): Promise<void> {
  await (await openFolder(root, segmentsOf(path), true, path)).close();
}

/** How much a folder holds: its entries (files, folders, links) and the bytes of its files. Links are not followed. */
export async function usage(folder: string): Promise<{ files: number; bytes: number }> {
  const total = { files: 0, bytes: 0 };
  const pending = [folder];
  while (pending.length > 0) {
    const current = pending.pop()!;
    for (const entry of await readdir(current, { withFileTypes: true }).catch(() => [])) {
      total.files += 1;
      const path = join(current, entry.name);
      if (entry.isDirectory()) pending.push(path);
      else if (entry.isFile()) total.bytes += (await lstat(path).catch(() => ({ size: 0 }))).size;
    }
  }
  return total;
}
