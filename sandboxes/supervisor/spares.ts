// Spares (../spare/main.ts): Node.js processes started before the nodes that will take them, so that each such node's
// start is only its program's own (about a quarter of a whole process start). A supervisor started ahead starts them
// while it waits for its scenario; every supervisor starts one for each node that waits for others (start-order.ts)
// as its first nodes start, so Node.js loads during the wait. Each spare is taken once, by a node's start; the spares
// no node took are let go once the scenario is up, so none idles beside a running topology.
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

/** How a spare is started: the spare bundle, in the session folder, with what every node's environment has. */
export interface SpareStart {
  bundle: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** As many as most scenarios have nodes (up to 4; the capstone starts its other nodes the usual way). */
const SPARES = 4;
/** A scenario's name that comes within this long of the wait came with the supervisor's start. */
const AT_ONCE_MS = 20;

export class Spares {
  private readonly waiting: ChildProcess[] = [];

  constructor(private readonly start: SpareStart) {}

  /**
   * Waits for the scenario's `name`, starting the spares meanwhile. Not when the name is there at once: a spare
   * started then would only take CPU from the nodes it was meant to speed up.
   */
  async whileWaitingFor<T>(name: Promise<T>): Promise<T> {
    if (!(await Promise.race([name.then(() => true), sleep(AT_ONCE_MS, false)]))) this.keep(SPARES);
    return name;
  }

  /** Starts spares until `count` wait (at most SPARES); they load Node and wait, writing nothing. */
  keep(count: number): void {
    while (this.waiting.length < Math.min(count, SPARES)) {
      const { bundle, cwd, env } = this.start;
      const spare = spawn(process.execPath, [bundle], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
      spare.stdin.on('error', () => {}); // a spare that died: it is passed over below
      this.waiting.push(spare);
    }
  }

  /** A spare, told to become `program` with `args` as the node `identity` names, or none if none is left. */
  take(program: string, args: readonly string[], identity: Record<string, string>): ChildProcess | undefined {
    for (let spare = this.waiting.shift(); spare; spare = this.waiting.shift()) {
      if (spare.exitCode !== null || spare.signalCode !== null) continue;
      spare.stdin!.write(JSON.stringify({ program, args, env: identity }) + '\n');
      return spare;
    }
    return undefined;
  }

  /** Lets the untaken spares go: their stdin closes and they exit. */
  release(): void {
    for (const spare of this.waiting.splice(0)) spare.stdin!.end();
  }
}
