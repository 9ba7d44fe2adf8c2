// `jobs` and `fg`, bash's job control builtins, over the shell's table of background jobs (../jobs.ts).
import type { Command } from '../command';

export const jobs: Command = {
  name: 'jobs',
  summary: 'list background jobs',
  usage: `jobs        list the background jobs: [N], Running or Done, and the command line
A command line ending with & runs in the background while you type the next ones:
  load -r 20 -d 10s &
Its output appears above your prompt; fg brings it back to the foreground (then Ctrl-C stops it).`,
  async run(args, io) {
    if (!io.jobs) {
      io.err('jobs: no job control\n'); // bash's answer where there is no job table, as inside a job
      return 1;
    }
    if (args.length) {
      io.err('jobs: usage: jobs\n');
      return 2;
    }
    for (const line of io.jobs.list()) io.out(`${line}\n`);
    return 0;
  },
};

export const fg: Command = {
  name: 'fg',
  summary: 'bring a job back: fg %N',
  usage: `fg          bring the newest background job to the foreground
fg %N       the same for job N (jobs lists them)
In the foreground, Ctrl-C stops it, and the prompt comes back when it is done.`,
  async run(args, io) {
    if (!io.jobs) {
      io.err('fg: no job control\n');
      return 1;
    }
    if (args.length > 1) {
      io.err('fg: usage: fg [%N]\n');
      return 2;
    }
    const job = io.jobs.find(args[0]);
    if (typeof job === 'string') {
      io.err(`fg: ${job}\n`);
      return 1;
    }
    job.foreground = true;
    io.out(`${job.line}\n`); // bash names the job it brings back
    const stop = () => job.abort.abort(io.signal.reason);
    io.signal.addEventListener('abort', stop, { once: true });
    try {
      return await job.finished;
    } finally {
      io.signal.removeEventListener('abort', stop);
    }
  },
  complete: (args, io) => (args.length === 1 && io.jobs ? io.jobs.running().map((j) => `%${j.id}`) : []),
};
