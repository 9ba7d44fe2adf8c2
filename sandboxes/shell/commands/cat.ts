import type { Command } from '../command';
import { sessionFile, sessionFiles } from '../files';

export const cat: Command = {
  name: 'cat',
  summary: 'print a scenario file',
  usage: `cat FILE...   print the files (only the scenario's files in this folder, e.g. haproxy.cfg)`,
  async run(args, io) {
    if (args.length === 0) {
      if (io.input !== undefined) io.out(io.input);
      else io.err(`cat: which file? ${sessionFiles(io.session.folder).join(', ') || 'there are no files yet'}\n`);
      return io.input !== undefined ? 0 : 1;
    }
    let status = 0;
    for (const name of args) {
      const file = sessionFile(io.session.folder, name);
      if ('error' in file) {
        io.err(`cat: ${file.error}\n`);
        status = 1;
      } else io.out(file.text);
    }
    return status;
  },
  complete: (_args, io) => sessionFiles(io.session.folder),
};
