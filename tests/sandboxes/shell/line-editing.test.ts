import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys, ShellSession } from '../../support/terminal';

describe('the shell at its prompt', () => {
  let folder: string;
  let shell: ShellSession;
  // One shell for the whole session, as a learner has: each test leaves the prompt empty for the next.
  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'shell-'));
    shell = new ShellSession(folder);
    await shell.waitForPrompt(1);
  });
  afterAll(async () => {
    await shell.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('greets the learner and lists its commands with help', async () => {
    // Short lines, whatever width it started with: the panel's terminal opens later, 40 columns wide or more.
    expect((await shell.text()).split('\n').slice(0, 2)).toEqual([
      'Sandbox terminal.',
      "Type 'help' for the commands.",
    ]);
    expect(await shell.text()).toContain("Type 'help' for the commands.");
    const help = await shell.command('help');
    expect(help).toMatch(/^ {2}help +list commands/m);
    expect(help).toMatch(/ {2}history +the commands typed so far/m);
    expect(await shell.command('help history')).toContain('history <n>   only the last n');
  });

  it('edits the line with arrows, Home, End, Delete and Backspace before running it', async () => {
    // "echo wrld" → left ×3, type "o" → "echo world"; Home, Delete ×4, type "echo" (no change), End, Backspace, "d!"
    shell.type(
      `echo wrld${keys.left.repeat(3)}o${keys.home}${keys.delete.repeat(4)}echo${keys.end}${keys.backspace}d!`,
    );
    await shell.waitFor('echo world!');
    expect(await shell.cursorLine()).toEqual({ text: 'learner@laptop:~$ echo world!', column: 29 });
    const output = await shell.command('');
    expect(output).toBe('world!');
  });

  it('Ctrl-U erases back to the start of the line and Ctrl-C abandons the line', async () => {
    shell.type(`echo gone${keys.ctrlU}echo kept`);
    expect(await shell.command('')).toBe('kept');
    shell.type(`echo never${keys.ctrlC}`);
    await shell.waitFor('echo never^C');
    expect(await shell.command('echo after')).toBe('after');
    expect(await shell.text()).not.toMatch(/^never$/m);
  });

  it('recalls earlier commands with Up and Down, and lists them with history', async () => {
    const earlier = (await shell.command('history')).split('\n').length + 1;
    await shell.command('echo one');
    await shell.command('echo two');
    shell.type(keys.up + keys.up);
    await shell.waitFor(/\$ echo one$/m);
    shell.type(keys.down);
    await shell.waitFor(/\$ echo two$/m);
    shell.type(keys.down + 'echo draft' + keys.up + keys.down);
    await shell.waitFor(/\$ echo draft$/m);
    expect(await shell.command('')).toBe('draft');
    const n = (i: number) => String(earlier + i).padStart(5);
    expect(await shell.command('history 4')).toBe(
      `${n(0)}  echo one\n${n(1)}  echo two\n${n(2)}  echo draft\n${n(3)}  history 4`,
    );
  });

  it('answers a typo with command not found and the command that was meant', async () => {
    expect(await shell.command('hlep')).toBe("hlep: command not found (did you mean 'help'?)");
    expect(await shell.command('xyzzy')).toBe("xyzzy: command not found. Type 'help' to list the commands");
    expect(await shell.command('vim haproxy.cfg')).toBe(
      'vim: command not found (in this sandbox, edit FILE is the editor)',
    );
    expect(await shell.command('help histroy')).toBe(
      "help: no command named 'histroy' (did you mean 'history'?). Type 'help' to list them.",
    );
  });

  it('completes command names with Tab and lists the choices when it cannot choose', async () => {
    shell.type(`hi${keys.tab}`);
    await shell.waitFor(/\$ history $/m);
    shell.type(keys.ctrlU + 'h' + keys.tab);
    await shell.waitFor(/^help +history$/m);
    expect((await shell.cursorLine()).text).toBe('learner@laptop:~$ h');
    shell.type(keys.ctrlU);
  });

  it('runs pasted lines one after the other, keys typed during a command waiting for the next prompt', async () => {
    const prompts = (await shell.text()).split('\n').filter((l) => l.startsWith('learner@laptop')).length;
    shell.type('echo first\recho second\r');
    const text = await shell.waitForPrompt(prompts + 2);
    expect(text).toMatch(/\$ echo first\nfirst\nlearner@laptop:~\$ echo second\nsecond\nlearner@laptop:~\$ $/);
  });

  it('keeps quoted words together and reports an unclosed quote', async () => {
    expect(await shell.command(`echo "two  spaces" 'and "quotes"'`)).toBe('two  spaces and "quotes"');
    expect(await shell.command(`echo "open`)).toBe('shell: unexpected EOF while looking for matching `"\'');
  });

  it('scrolls a line longer than the terminal sideways and keeps the cursor in view', async () => {
    const long = 'echo ' + 'x'.repeat(150);
    shell.type(long);
    await shell.waitFor(/x{50}$/m);
    const { text, column } = await shell.cursorLine();
    expect(text.length).toBeLessThanOrEqual(100);
    expect(column).toBeLessThan(100);
    expect(await shell.command('')).toBe('x'.repeat(150));
  });

  it('leaves the whole of a long command in the scrollback once Enter runs it, not the window it was scrolled to', async () => {
    const long = `echo ${'a'.repeat(60)} ${'z'.repeat(60)}`;
    shell.type(long);
    await shell.waitFor(/z{50}$/m);
    expect(await shell.command('')).toBe(`${'a'.repeat(60)} ${'z'.repeat(60)}`);
    // text() joins the lines the terminal wrapped: the prompt and the command as typed, from its first word.
    expect((await shell.text()).split('\n')).toContain(`learner@laptop:~$ ${long}`);
  });

  it('survives odd input: unknown escape sequences, control bytes and a resize', async () => {
    shell.type('\x1b[99~\x1b[1;5C\x00\x1c\x1b[8;40;60t\x1bODecho fine');
    expect(await shell.command('')).toBe('fine');
  });

  it('fits the line to the width the page reports on resize', async () => {
    shell.type('\x1b[8;30;60t' + 'echo ' + 'y'.repeat(80));
    await shell.waitFor(/y{20}$/m);
    expect((await shell.cursorLine()).text.length).toBeLessThan(60);
    expect(await shell.command('')).toBe('y'.repeat(80));
    shell.type('\x1b[8;30;100t');
  });

  it('clears the screen with Ctrl-L and with clear', async () => {
    const top = async () => (await shell.visible())[0];
    await shell.command('echo before');
    shell.type('echo typed' + keys.ctrlL);
    await expect.poll(top).toBe('learner@laptop:~$ echo typed');
    shell.run('');
    await expect.poll(async () => (await shell.visible())[1]).toBe('typed');
    shell.run('clear');
    await expect.poll(top).toBe('learner@laptop:~$ ');
    expect((await shell.visible()).join('').trim()).toBe('learner@laptop:~$');
  });

  it('ends with Ctrl-D on an empty line, as a shell does', async () => {
    const own = new ShellSession(folder);
    try {
      await own.waitForPrompt(1);
      own.type(keys.ctrlD);
      expect(await own.exited).toBe(0);
    } finally {
      await own.close();
    }
  });
});
