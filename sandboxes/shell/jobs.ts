// Job control, as bash does it for `CMD &`, `jobs` and `fg`: a table of the command lines running in the background,
// each with its own Ctrl-C switch (an AbortController), and the notices bash prints about them. The commands run
// inside the shell's own process, so a job has a number ([1]) but no process id of its own.

/** How many jobs may run at once: each is real work in this process (load sends hundreds of requests). */
export const MAX_JOBS = 4;

export interface Job {
  /** The job number, %1 in `fg %1`. */
  readonly id: number;
  /** The command line as typed, without its `&`. */
  readonly line: string;
  /** Stops the job: what Ctrl-C does to it once it is in the foreground. */
  readonly abort: AbortController;
  /** Its exit status, once it has finished. */
  status?: number;
  /** Brought back with `fg`: its output goes straight to the terminal, and its end is not announced. */
  foreground: boolean;
  /** Resolves with its exit status when it has finished. */
  readonly finished: Promise<number>;
}

export class JobTable {
  private jobs: Job[] = [];

  /**
   * Starts `run` as a job; returns it, or the reason it cannot start. `run` gets the job's abort signal.
   */
  start(line: string, run: (job: Job) => Promise<number>): Job | string {
    if (this.running().length >= MAX_JOBS) {
      return `${MAX_JOBS} jobs are already running in the background (type jobs to list them; fg %N, then Ctrl-C, stops one)`;
    }
    // bash numbers a new job one above the highest in the table, so numbers come back once the table empties.
    const id = Math.max(0, ...this.jobs.map((j) => j.id)) + 1;
    const abort = new AbortController();
    let finish!: (status: number) => void;
    const job: Job = { id, line, abort, foreground: false, finished: new Promise((resolve) => (finish = resolve)) };
    this.jobs.push(job);
    // Started once the caller has announced it ([1] ...), so that nothing the job prints comes before.
    void Promise.resolve()
      .then(() => run(job))
      .catch(() => 1)
      .then((status) => {
        job.status = status;
        // A job waited for in the foreground is over when its prompt comes back; bash does not announce it.
        if (job.foreground) this.jobs = this.jobs.filter((j) => j !== job);
        finish(status);
      });
    return job;
  }

  running(): Job[] {
    return this.jobs.filter((j) => j.status === undefined);
  }

  /**
   * The job a spec names, as bash reads it: "%2" or "2" is job 2; none, "%", "%%" or "%+" is the current job (the
   * newest); "%-" the one before it. Otherwise bash's own complaint.
   */
  find(spec: string | undefined): Job | string {
    const live = this.running();
    const current = live[live.length - 1];
    if (spec === undefined || spec === '%' || spec === '%%' || spec === '%+') return current ?? 'current: no such job';
    if (spec === '%-') return live[live.length - 2] ?? current ?? `${spec}: no such job`;
    const id = Number(spec.replace(/^%/, ''));
    return live.find((j) => j.id === id) ?? `${spec}: no such job`;
  }

  /** `jobs`: every job still in the table, finished ones included (which are then forgotten, as bash does). */
  list(): string[] {
    const lines = this.jobs.map((job) => this.describe(job, job.status === undefined ? ' &' : ''));
    this.jobs = this.jobs.filter((j) => j.status === undefined);
    return lines;
  }

  /** What bash prints before the next prompt about the jobs that ended since: `[1]+  Done  load -r 20 -d 10s`. */
  notices(): string[] {
    const ended = this.jobs.filter((j) => j.status !== undefined);
    const lines = ended.map((job) => this.describe(job, ''));
    this.jobs = this.jobs.filter((j) => j.status === undefined);
    return lines;
  }

  /** bash's layout: the number, + for the current job and - for the previous, the state in 24 columns, the line. */
  private describe(job: Job, suffix: string): string {
    const order = [...this.jobs].reverse();
    const mark = order[0] === job ? '+' : order[1] === job ? '-' : ' ';
    const state = job.status === undefined ? 'Running' : job.status === 0 ? 'Done' : `Exit ${job.status}`;
    return `[${job.id}]${mark}  ${state.padEnd(24)}${job.line}${suffix}`;
  }
}
