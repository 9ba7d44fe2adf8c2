import type { Command } from '../command';

export const exit: Command = {
  name: 'exit',
  summary: 'close the terminal',
  usage: 'exit [STATUS]   end the shell, with exit status STATUS (default 0)',
  async run(args) {
    const status = args[0] === undefined ? 0 : Number(args[0]);
    process.exit(Number.isInteger(status) ? status & 255 : 2); // bash keeps the low 8 bits, as the OS does
  },
};
