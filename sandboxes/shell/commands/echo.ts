import type { Command } from '../command';

// Mostly here for pipes such as `echo "show stat" | socat stdio tcp4-connect:10.0.0.2:9999`.
export const echo: Command = {
  name: 'echo',
  summary: 'print its arguments',
  usage: `echo [-n] TEXT...   print TEXT followed by a newline (-n: no newline)`,
  async run(args, io) {
    const noNewline = args[0] === '-n';
    io.out(args.slice(noNewline ? 1 : 0).join(' ') + (noNewline ? '' : '\n'));
    return 0;
  },
};
