// How the probe runs its checks: one at a time, each bounded by its own timeout, each printed as one JSON line the
// moment it finishes, then one summary line. A check that hangs is reported as failed ("timed out after N ms")
// and the children it started are killed, so one stuck capability never hides the rest of the report.
import { spawnSelf, type Child } from './children';
import { allPass, someFail } from './verdict';

export type Result = 'pass' | 'fail' | 'info';

/** What a check found. `info` is a fact or a figure rather than a yes/no answer. */
export interface Outcome {
  result: Result;
  figure?: string;
  detail: string;
}

/** One line of the report. */
export interface Row extends Outcome {
  check: string;
  title: string;
  /** True when a sandbox program depends on it; false when the row is only informative. */
  needed: boolean;
}

/** The last line of the report. */
export interface Summary {
  summary: string;
  checks: number;
  needed: number;
  /** The ids of the needed checks that failed. */
  failed: string[];
  elapsed_ms: number;
}

/** What a check gets to work with: its own children (killed when it ends) and the probe's scratch folder. */
export class Scope {
  private readonly children = new Set<Child>();

  constructor(readonly folder: string) {}

  /** Starts this program again as a child in `role` (see children.ts). */
  spawn(role: string, args: string[] = [], command?: string): Child {
    return this.keep(spawnSelf(role, args, command));
  }

  /** Ends `child` with the scope, as the children it spawns. */
  keep(child: Child): Child {
    this.children.add(child);
    return child;
  }

  /** SIGCONT and SIGKILL to every child still running, and a bounded wait for their exits. */
  async close(): Promise<void> {
    const running = [...this.children].filter((child) => !child.ended);
    for (const child of running) child.signal('SIGCONT'); // a stopped child would hold its pipes until resumed
    for (const child of running) child.signal('SIGKILL');
    await Promise.race([Promise.all(running.map((child) => child.exited)), sleep(2000)]);
  }
}

export interface Check {
  id: string;
  title: string;
  needed: boolean;
  /** The most this check may take; past it, it fails as timed out. */
  timeoutMs?: number;
  run(scope: Scope): Promise<Outcome>;
}

const DEFAULT_TIMEOUT_MS = 5000;

export const pass = (detail: string, figure?: string): Outcome => ({
  result: 'pass',
  detail,
  ...(figure && { figure }),
});
export const fail = (detail: string, figure?: string): Outcome => ({
  result: 'fail',
  detail,
  ...(figure && { figure }),
});
export const info = (detail: string, figure?: string): Outcome => ({
  result: 'info',
  detail,
  ...(figure && { figure }),
});

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves with what `run` gives, or with a timeout failure once `ms` have passed. */
export async function within(ms: number, run: Promise<Outcome>): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Outcome>(
    (resolve) => (timer = setTimeout(() => resolve(fail(`timed out after ${ms} ms`)), ms)),
  );
  try {
    return await Promise.race([run.catch((error: Error) => fail(error.message ?? String(error))), late]);
  } finally {
    clearTimeout(timer);
  }
}

export function print(line: Row | Summary | object): void {
  process.stdout.write(JSON.stringify(line) + '\n');
}

/** Runs every check in order, printing each row as it finishes; returns the summary (also printed). */
export async function runChecks(checks: Check[], folder: string): Promise<Summary> {
  const started = performance.now();
  const failed: string[] = [];
  for (const check of checks) {
    const scope = new Scope(folder);
    const outcome = await within(check.timeoutMs ?? DEFAULT_TIMEOUT_MS, check.run(scope));
    await scope.close();
    if (check.needed && outcome.result !== 'pass') failed.push(check.id);
    print({ check: check.id, title: check.title, ...outcome, needed: check.needed } satisfies Row);
  }
  const needed = checks.filter((check) => check.needed).length;
  const summary: Summary = {
    summary: failed.length ? someFail(failed) : allPass(needed),
    checks: checks.length,
    needed,
    failed,
    elapsed_ms: Math.round(performance.now() - started),
  };
  print(summary);
  return summary;
}
