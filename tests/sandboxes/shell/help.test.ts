// help and usage texts fitted to the terminal: broken between words, never inside one, and `help` on one screen, at
// the widths learners have (a phone's 40 columns, a laptop's 80) and a 22-row terminal.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commands } from '../../../sandboxes/shell/commands/index';
import { wrap } from '../../../sandboxes/shell/wrap';
import { ShellSession } from '../../support/terminal';

const words = (text: string) => text.split(/\s+/).filter(Boolean);

describe('wrapping a usage text', () => {
  it("breaks long lines between words and lines an option's description up under its start", () => {
    const text = '  -r RATE       requests per second (default 10), sent on schedule even if answers are slow';
    expect(wrap(text, 50)).toBe(
      [
        '  -r RATE       requests per second (default 10),',
        '                sent on schedule even if answers',
        '                are slow',
      ].join('\n'),
    );
  });

  it("keeps every word of every command's usage whole, at 40 and at 80 columns", () => {
    for (const width of [40, 80]) {
      for (const command of commands) {
        const wrapped = wrap(command.usage, width);
        const tooLong = wrapped.split('\n').filter((line) => line.length >= width && words(line).length > 1);
        expect([command.name, tooLong]).toEqual([command.name, []]);
        expect(words(wrapped)).toEqual(words(command.usage));
      }
    }
  });
});

for (const columns of [40, 80]) {
  describe(`help in a ${columns}×22 terminal`, () => {
    const folder = mkdtempSync(join(tmpdir(), 'shell-'));
    const shell = new ShellSession(folder, { columns, rows: 22 });
    afterAll(async () => {
      await shell.close();
      rmSync(folder, { recursive: true, force: true });
    });

    it('greets, then lists every command on one screen, no line wrapped by the terminal', async () => {
      await shell.waitForPrompt(1);
      expect(words(await shell.text())).toEqual(
        words("Sandbox terminal. Type 'help' for the commands. learner@laptop:~$"),
      );
      const output = await shell.command('help');
      const lines = output.split('\n');
      // The command's own line and the next prompt take two more rows.
      expect(lines.length).toBeLessThanOrEqual(22 - 2);
      expect(lines.filter((line) => line.length >= columns)).toEqual([]);
      for (const command of commands) expect(output).toMatch(new RegExp(`(^| )${command.name}( |$)`, 'm'));
      if (columns >= 80) expect(output).toMatch(/^ {2}help +list commands; help CMD +\S/m);
    });

    it('explains one command with its words whole', async () => {
      for (const name of ['db', 'load', 'sniff']) {
        const output = await shell.command(`help ${name}`);
        const command = commands.find((c) => c.name === name)!;
        expect(output.split('\n').filter((line) => line.length >= columns && words(line).length > 1)).toEqual([]);
        expect(words(output)).toEqual(words(`${name}: ${command.summary} ${command.usage}`));
      }
    });
  });
}
