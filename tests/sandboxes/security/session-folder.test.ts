// The one confinement rule (sandboxes/shared/session-folder.ts) on its own: what resolves inside the session
// folder is read, written or made; everything else is refused as a missing file, and no race between a check and
// the open lets a swapped link through.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, linkSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  readSessionFile,
  sessionDirectory,
  sessionFileExists,
  strerror,
  writeSessionFile,
} from '../../../sandboxes/shared/session-folder';
import { CANARY, expectOutsideUntouched, labPerTest } from './support';

const lab = labPerTest();

/** The error code a read is refused with, or 'read' when it succeeded. */
function refusal(read: () => unknown): string {
  try {
    read();
    return 'read';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? String(error);
  }
}

describe('reading a file', () => {
  it('without a root (a program run by hand) any path is read, as the real tools do', () => {
    const { canary } = lab();
    expect(readSessionFile(canary, undefined)).toBe(CANARY);
  });

  it('with a root, paths that leave it (.., absolute, NUL, empty) are refused as missing files', () => {
    const confined = lab();
    for (const path of [
      join(confined.session, '../outside/canary.txt'),
      confined.canary,
      '/etc/passwd',
      `${confined.session}/a\0b`,
      '',
    ]) {
      expect(refusal(() => readSessionFile(path, confined.session))).toBe('ENOENT');
      expect(sessionFileExists(path, confined.session)).toBe(false);
    }
    expectOutsideUntouched(confined);
  });

  it('a symlink that stays inside is followed; one that leads out, or a folder link that does, is refused', () => {
    const confined = lab((made) => {
      writeFileSync(join(made.session, 'real.cfg'), 'inside\n');
      symlinkSync('real.cfg', join(made.session, 'alias.cfg'));
      symlinkSync(made.canary, join(made.session, 'out.cfg'));
      symlinkSync(made.outside, join(made.session, 'conf'));
    });
    expect(readSessionFile(join(confined.session, 'alias.cfg'), confined.session)).toBe('inside\n');
    expect(refusal(() => readSessionFile(join(confined.session, 'out.cfg'), confined.session))).toBe('ENOENT');
    expect(refusal(() => readSessionFile(join(confined.session, 'conf', 'canary.txt'), confined.session))).toBe(
      'ENOENT',
    );
  });

  it('a hard link to an outside file is refused: the file has more than one name', () => {
    const confined = lab((made) => linkSync(made.canary, join(made.session, 'hard.cfg')));
    expect(refusal(() => readSessionFile(join(confined.session, 'hard.cfg'), confined.session))).toBe('ENOENT');
  });

  it('a FIFO is refused at once instead of hanging the program, and a folder is "Is a directory"', () => {
    const confined = lab((made) => {
      execFileSync('mkfifo', [join(made.session, 'pipe.cfg')]);
      mkdirSync(join(made.session, 'folder.cfg'));
    });
    expect(refusal(() => readSessionFile(join(confined.session, 'pipe.cfg'), confined.session))).toBe('ENOENT');
    let error: unknown;
    try {
      readSessionFile(join(confined.session, 'folder.cfg'), confined.session);
    } catch (caught) {
      error = caught;
    }
    expect(strerror(error)).toBe('Is a directory');
  });
});

describe('writing a file and making a folder', () => {
  it('saving over a symlink to an outside file replaces the link and leaves the outside file as it was', () => {
    const confined = lab((made) => symlinkSync(made.canary, join(made.session, 'haproxy.cfg')));
    writeSessionFile(join(confined.session, 'haproxy.cfg'), 'global\n', confined.session);
    expect(lstatSync(join(confined.session, 'haproxy.cfg')).isSymbolicLink()).toBe(false);
    expect(readFileSync(join(confined.session, 'haproxy.cfg'), 'utf8')).toBe('global\n');
    expectOutsideUntouched(confined);
  });

  it('saving to a path outside is refused and creates nothing', () => {
    const confined = lab();
    expect(refusal(() => writeSessionFile(join(confined.outside, 'planted.txt'), 'x', confined.session))).toBe(
      'ENOENT',
    );
    expect(
      refusal(() => writeSessionFile(join(confined.session, '../outside/canary.txt'), 'x', confined.session)),
    ).toBe('ENOENT');
    expectOutsideUntouched(confined);
  });

  it('a data folder inside is made; one outside, or behind a folder link that leads out, is refused and not made', () => {
    const confined = lab((made) => symlinkSync(made.outside, join(made.session, 'data')));
    expect(sessionDirectory(join(confined.session, 'db', 'db-01'), confined.session)).toBe(
      join(confined.session, 'db', 'db-01'),
    );
    expect(existsSync(join(confined.session, 'db', 'db-01'))).toBe(true);
    for (const path of [
      join(confined.outside, 'db-01'),
      join(confined.session, 'data', 'db-01'),
      join(confined.session, '..', 'db-01'),
    ]) {
      expect(refusal(() => sessionDirectory(path, confined.session))).toBe('ENOENT');
    }
    expectOutsideUntouched(confined);
  });
});

describe('a race between the check and the open', () => {
  it('3,000 reads while another process swaps the file and its folder for links to the outside: none reads the outside', async () => {
    const confined = lab((made) => {
      mkdirSync(join(made.session, 'conf'));
      writeFileSync(join(made.session, 'conf', 'x.cfg'), 'inside\n');
      writeFileSync(join(made.outside, 'x.cfg'), CANARY); // what the folder link would reach
    });
    // Swaps the file for a link to the canary and back (atomic renames), then the folder for a link to the outside
    // folder and back (a folder cannot be renamed over a link: removed, then renamed in).
    const swapper = spawn(process.execPath, [
      '-e',
      `const fs = require('node:fs'); const [session, outside, canary] = process.argv.slice(1);
       const conf = session + '/conf';
       const file = (make) => { fs.rmSync(session + '/f.tmp', { force: true }); make(session + '/f.tmp'); fs.renameSync(session + '/f.tmp', conf + '/x.cfg'); };
       const folder = (make) => { fs.rmSync(session + '/d.tmp', { recursive: true, force: true }); make(session + '/d.tmp'); fs.rmSync(conf, { recursive: true, force: true }); fs.renameSync(session + '/d.tmp', conf); };
       for (;;) {
         file((t) => fs.symlinkSync(canary, t));
         file((t) => fs.writeFileSync(t, 'inside\\n'));
         folder((t) => fs.symlinkSync(outside, t));
         folder((t) => { fs.mkdirSync(t); fs.writeFileSync(t + '/x.cfg', 'inside\\n'); });
       }`,
      confined.session,
      confined.outside,
      confined.canary,
    ]);
    try {
      await new Promise((resolve) => setTimeout(resolve, 100)); // the swapper is running
      const outcomes = { inside: 0, refused: 0, outside: 0 };
      for (let i = 0; i < 3000; i++) {
        try {
          const text = readSessionFile(join(confined.session, 'conf', 'x.cfg'), confined.session);
          if (text === 'inside\n') outcomes.inside++;
          else outcomes.outside++;
        } catch {
          outcomes.refused++;
        }
      }
      expect(outcomes.outside).toBe(0);
      // Both ways happened: the swaps really raced the reads.
      expect(outcomes.inside).toBeGreaterThan(0);
      expect(outcomes.refused).toBeGreaterThan(0);
    } finally {
      swapper.kill('SIGKILL');
      await new Promise((resolve) => swapper.once('close', resolve));
    }
    expect(readFileSync(confined.canary, 'utf8')).toBe(CANARY);
  });
});
