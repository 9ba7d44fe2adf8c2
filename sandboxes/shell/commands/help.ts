import type { Command } from '../command';
import { didYouMean } from '../../shared/suggest';
import { wrap } from '../wrap';

const FOOTER =
  'help CMD explains one, with examples. CMD & runs it in the background (jobs lists them, fg brings one back). ' +
  'Keys: Up/Down history, Tab completes, Ctrl-C stops a command, Ctrl-L clears the screen.';

export const help: Command = {
  name: 'help',
  summary: 'list commands; help CMD',
  usage: `help             list the commands
help <command>   how to use one command, with examples`,
  async run(args, io) {
    const names = io.commands.map((c) => c.name);
    if (args.length === 0) {
      io.out(`Commands:\n${listing(io.commands, io.columns)}\n${wrap(FOOTER, io.columns)}\n`);
      return 0;
    }
    const command = io.commands.find((c) => c.name === args[0]);
    if (!command) {
      io.err(`help: no command named '${args[0]}'${didYouMean(args[0], names)}. Type 'help' to list them.\n`);
      return 1;
    }
    io.out(`${wrap(`${command.name}: ${command.summary}\n\n${command.usage}`, io.columns)}\n`);
    return 0;
  },
  complete: (args, io) => (args.length === 1 ? io.commands.map((c) => c.name) : []),
};

/**
 * The commands in two columns, name and summary, filled down then across as bash's `help` lists its builtins, so the
 * list fits one screen; where two do not fit the width, the names alone in as many columns as fit.
 */
function listing(commands: readonly Command[], columns: number): string {
  const nameWidth = Math.max(...commands.map((c) => c.name.length)) + 2;
  const entryWidth = 2 + nameWidth + Math.max(...commands.map((c) => c.summary.length));
  const cell = entryWidth + 2;
  if (cell + entryWidth < columns) {
    const rows = Math.ceil(commands.length / 2);
    const entry = (c: Command | undefined) => (c ? `  ${c.name.padEnd(nameWidth)}${c.summary}` : '');
    return Array.from({ length: rows }, (_, i) =>
      `${entry(commands[i]).padEnd(cell)}${entry(commands[i + rows])}`.trimEnd(),
    ).join('\n');
  }
  const perRow = Math.max(1, Math.floor((columns - 2) / nameWidth));
  const lines: string[] = [];
  for (let i = 0; i < commands.length; i += perRow) {
    lines.push(
      `  ${commands
        .slice(i, i + perRow)
        .map((c) => c.name.padEnd(nameWidth))
        .join('')}`.trimEnd(),
    );
  }
  return lines.join('\n');
}
