// Files, as the programs use them: small files replaced whole with writeFileSync + renameSync (the sandbox network's
// port map, control.json, the firewall), and the store's write-ahead log through a FileHandle: positional writes and
// reads, truncate, and a datasync after every group commit (WEBCONTAINER-COMPAT.md rows 19-20).
import { readFileSync, existsSync, renameSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { fail, pass, type Check } from './runner';

async function withFile<T>(path: string, flags: string, use: (file: FileHandle) => Promise<T>): Promise<T> {
  const file = await open(path, flags);
  try {
    return await use(file);
  } finally {
    await file.close();
  }
}

/** FileHandle.datasync() or sync(): fine, or the error a runtime that lacks it gives. */
function flush(kind: 'datasync' | 'sync', usedBy: string): Check {
  return {
    id: kind,
    title: `FileHandle.${kind}() (${usedBy})`,
    needed: false,
    async run(scope) {
      try {
        await withFile(join(scope.folder, `${kind}.bin`), 'w+', async (file) => {
          await file.write(Buffer.from('record'), 0, 6, 0);
          await file[kind]();
        });
        return pass(`${kind}() returned`);
      } catch (error) {
        const { code, message } = error as NodeJS.ErrnoException;
        return fail(`${kind}() failed: ${code && !message.startsWith(code) ? `${code}: ` : ''}${message}`);
      }
    },
  };
}

export const fileChecks: Check[] = [
  {
    id: 'rename',
    title: 'renameSync over an existing file (a file replaced whole: write a .tmp, rename it over)',
    needed: true,
    async run(scope) {
      const target = join(scope.folder, 'control.json');
      writeFileSync(target, 'old');
      writeFileSync(`${target}.tmp`, 'new');
      renameSync(`${target}.tmp`, target);
      const now = readFileSync(target, 'utf8');
      if (now !== 'new') return fail(`after the rename the file holds ${JSON.stringify(now)}, not "new"`);
      if (existsSync(`${target}.tmp`)) return fail('the .tmp file is still there after the rename');
      return pass('the file now holds the new contents and the .tmp file is gone');
    },
  },
  {
    id: 'filehandle',
    title: "FileHandle opened w+ and r+: positional write and read, truncate (the store's write-ahead log)",
    needed: true,
    async run(scope) {
      const path = join(scope.folder, 'wal.bin');
      const expected = Buffer.concat([Buffer.from('abcdef'), Buffer.alloc(4), Buffer.from('XY')]);
      const afterWrite = await withFile(path, 'w+', async (file) => {
        await file.write(Buffer.from('abcdef'), 0, 6, 0);
        await file.write(Buffer.from('XY'), 0, 2, 10); // past the end: the gap reads as zeros
        const back = Buffer.alloc(12);
        const { bytesRead } = await file.read(back, 0, 12, 0);
        await file.truncate(4);
        return { back: back.subarray(0, bytesRead), size: (await file.stat()).size };
      });
      if (!afterWrite.back.equals(expected))
        return fail(
          `read back ${JSON.stringify(afterWrite.back.toString('latin1'))} instead of ${JSON.stringify(expected.toString('latin1'))}`,
        );
      if (afterWrite.size !== 4) return fail(`truncate(4) left ${afterWrite.size} bytes`);
      const reopened = await withFile(path, 'r+', async (file) => {
        await file.write(Buffer.from('D'), 0, 1, 3);
        const back = Buffer.alloc(8);
        const { bytesRead } = await file.read(back, 0, 8, 0);
        return back.subarray(0, bytesRead).toString();
      });
      if (reopened !== 'abcD')
        return fail(`reopened r+ and rewrote byte 3: read ${JSON.stringify(reopened)} instead of "abcD"`);
      return pass(
        'writes at offsets 0 and 10 read back with a zero-filled gap; truncate(4) cut it; r+ rewrote a byte in place',
      );
    },
  },
  flush('datasync', "the store's write-ahead log after each group commit"),
  flush('sync', 'for comparison'),
];
