import type { Command } from '../command';
import { didYouMean } from '../../shared/suggest';

export const help: Command = {
  name: 'help',
  summary: 'list the commands, or explain one: help curl',
  usage: `help             list the commands
help <command>   how to use one command, with examples`,
  async run(args, io) {
    const names = io.commands.map((c) => c.name);
    if (args.length === 0) {
      const width = Math.max(...names.map((n) => n.length)) + 2;
      io.out('Commands (type help <command> for details):\n');
      for (const command of io.commands) io.out(`  ${command.name.padEnd(width)}${command.summary}\n`);
      io.out('Keys: Up/Down history, Tab completes, Ctrl-C stops a command, Ctrl-L clears the screen.\n');
      return 0;
    }
    const command = io.commands.find((c) => c.name === args[0]);
    if (!command) {
      io.err(`help: no command named '${args[0]}'${didYouMean(args[0], names)}. Type 'help' to list them.\n`);
      return 1;
    }
    io.out(`${command.name}: ${command.summary}\n\n${command.usage}\n`);
    return 0;
  },
  complete: (args, io) => (args.length === 1 ? io.commands.map((c) => c.name) : []),
};
