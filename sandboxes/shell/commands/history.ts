import type { Command } from '../command';

export const history: Command = {
  name: 'history',
  summary: 'the commands typed so far',
  usage: `history       every command typed in this terminal, numbered as bash does
history <n>   only the last n`,
  async run(args, io) {
    const count = args[0] === undefined ? io.history.length : Number(args[0]);
    if (!Number.isInteger(count) || count < 0) {
      io.err(`history: ${args[0]}: numeric argument required\n`);
      return 1;
    }
    const first = Math.max(0, io.history.length - count);
    io.history.slice(first).forEach((line, i) => io.out(`${String(first + i + 1).padStart(5)}  ${line}\n`));
    return 0;
  },
};
