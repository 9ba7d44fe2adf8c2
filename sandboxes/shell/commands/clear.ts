import type { Command } from '../command';

export const clear: Command = {
  name: 'clear',
  summary: 'clear the screen (Ctrl-L)',
  usage: 'clear',
  async run(_args, io) {
    io.clear();
    return 0;
  },
};
