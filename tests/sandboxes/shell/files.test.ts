import { linkSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxFolder } from './sandbox';
import { keys, ShellSession } from '../../support/terminal';

const CONFIG = `frontend fe_web
    bind :80
    default_backend be_app

backend be_app
    server web-01 10.0.0.11:80 check
`;

describe('cat and edit in the shell', () => {
  const sandbox = new SandboxFolder();
  const config = join(sandbox.folder, 'haproxy.cfg');
  // A file next to the session folder, which the shell must never reach.
  const outside = mkdtempSync(join(tmpdir(), 'outside-'));
  const secret = join(outside, 'secret.txt');
  const up = `../${basename(outside)}/secret.txt`;
  let shell: ShellSession;
  beforeAll(async () => {
    writeFileSync(config, CONFIG);
    writeFileSync(secret, 'secret\n');
    symlinkSync(secret, join(sandbox.folder, 'link.txt'));
    linkSync(secret, join(sandbox.folder, 'hard.txt'));
    shell = new ShellSession(sandbox.folder, { rows: 20 });
    await shell.waitForPrompt(1);
  });
  afterAll(async () => {
    await shell?.close();
    await sandbox.remove();
    rmSync(outside, { recursive: true, force: true });
  });

  it('prints a scenario file with cat', async () => {
    expect(await shell.command('cat haproxy.cfg')).toBe(CONFIG.trimEnd());
  });

  it('refuses paths that leave the session folder or reach the sandbox internals', async () => {
    expect(await shell.command(`cat ${up}`)).toBe(
      `cat: ${up}: outside the session folder; files here: haproxy.cfg, hard.txt`,
    );
    expect(await shell.command('cat /etc/passwd')).toMatch(/^cat: \/etc\/passwd: outside the session folder/);
    expect(await shell.command('cat link.txt')).toMatch(/^cat: link\.txt: outside the session folder/);
    // A hard link is the outside file itself under a name in the folder.
    expect(await shell.command('cat hard.txt')).toMatch(/^cat: hard\.txt: outside the session folder/);
    expect(await shell.command('edit hard.txt')).toMatch(/^edit: hard\.txt: outside the session folder/);
    expect(await shell.command('cat .sandbox/control.json')).toMatch(
      /^cat: \.sandbox\/control\.json: not one of the scenario's files/,
    );
    expect(await shell.command(`edit ${up}`)).toMatch(/^edit: .*: outside the session folder/);
    expect(await shell.command('cat haproxy.cgf')).toBe(
      "cat: haproxy.cgf: No such file or directory (did you mean 'haproxy.cfg'?)",
    );
    expect(readFileSync(secret, 'utf8')).toBe('secret\n');
  });

  it('completes file names with Tab', async () => {
    shell.type(`cat hap${keys.tab}`);
    await shell.waitFor(/\$ cat haproxy\.cfg $/m);
    shell.type(keys.ctrlU);
  });

  it('edits a file full screen and saves it with Ctrl-S', async () => {
    const prompts = (await shell.text()).split('\n').filter((l) => l.startsWith('learner@laptop')).length;
    shell.run('edit haproxy.cfg');
    await shell.waitFor('^S Save');
    let screen = await shell.visible();
    expect(screen[0]).toMatch(/^ {2}edit {2}haproxy\.cfg/);
    expect(screen[1]).toBe('frontend fe_web');
    // Go to the server line (row 6), to its end, and add a second server below it.
    shell.type(keys.down.repeat(5) + keys.end + keys.enter + '    server web-02 10.0.0.12:80 check');
    await shell.waitFor('(modified)');
    shell.type(keys.ctrlS);
    await shell.waitFor('[ Wrote 7 lines ]');
    screen = await shell.visible();
    expect(screen[7]).toBe('    server web-02 10.0.0.12:80 check');
    shell.type(keys.ctrlX);
    const text = await shell.waitForPrompt(prompts + 1);
    expect(text).toContain("Saved haproxy.cfg. Run 'reload' to apply it.");
    expect(readFileSync(config, 'utf8')).toBe(CONFIG + '    server web-02 10.0.0.12:80 check\n');
  });

  it('asks before leaving with unsaved changes, and N discards them', async () => {
    const before = readFileSync(config, 'utf8');
    shell.run('edit haproxy.cfg');
    await shell.waitFor('^S Save');
    shell.type('# scribble' + keys.backspace.repeat(3) + keys.ctrlX);
    await shell.waitFor('Save modified buffer?');
    shell.type('n');
    await shell.waitFor('haproxy.cfg not changed (the edits were discarded).');
    expect(readFileSync(config, 'utf8')).toBe(before);
  });
});
