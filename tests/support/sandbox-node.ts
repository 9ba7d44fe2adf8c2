// Runs one sandbox program (the real bundle in sandboxes/dist) as a node, the way the supervisor does
// (SANDBOX_EVENTS=1, SANDBOX_NODE, and SANDBOX_NET/SANDBOX_ADDR on a sandbox network, or plain loopback without one),
// and records its JSON-line events with the time they arrived.
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { NodeEvent } from '../../sandboxes/contracts/events/index';
import { constrainedEnv } from '../../src/runtime/local/constraints';
import { spawnEnv } from './constraints';
import { EventLog, type Seen } from './event-log';

// From the project root (vitest's and npm's working directory), so a benchmark's bundle that runs nodes finds it too.
export const dist = resolve('sandboxes/dist');

export interface SandboxNode {
  child: ChildProcess;
  events: NodeEvent[];
  seen: Seen<NodeEvent>[];
  stderr: () => string;
  /** The first event (already seen or future) that arrived at or after `after` and matches; rejects after timeoutMs. */
  waitFor(match: (event: NodeEvent) => boolean, timeoutMs?: number, after?: number): Promise<Seen<NodeEvent>>;
  /** The first event from index `from` on (already seen or future) that matches; rejects after timeoutMs. */
  next<T extends NodeEvent = NodeEvent>(
    match: ((event: NodeEvent) => event is T) | ((event: NodeEvent) => boolean),
    timeoutMs?: number,
    from?: number,
  ): Promise<T>;
  /** Sends a signal and resolves when the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Sends one line to its control channel (stdin), as the supervisor does: reload, freeze, resume, stop... */
  tell(line: string): void;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
}

export interface NodeOptions {
  cwd: string;
  /** The node's name (SANDBOX_NODE), as the supervisor names it. */
  name?: string;
  /** On a sandbox network (the folder, and the node's address there); without one, on plain loopback. */
  net?: string;
  address?: string;
  /** Under WebContainer constraints whatever SANDBOX_CONSTRAINTS says. */
  constrained?: boolean;
  env?: Record<string, string>;
}

export function startNode(program: string, args: string[], options: NodeOptions): SandboxNode {
  // Nothing of the test process's own sandbox (a supervisor run sets SANDBOX_NET for its requests) leaks in.
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SANDBOX_')));
  const env = {
    ...clean,
    SANDBOX_EVENTS: '1',
    ...(options.name && { SANDBOX_NODE: options.name }),
    ...(options.net && { SANDBOX_NET: options.net, SANDBOX_ADDR: options.address }),
    ...options.env,
  };
  const child = spawn(process.execPath, [join(dist, `${program}.js`), ...args], {
    cwd: options.cwd,
    env: options.constrained ? constrainedEnv(env) : spawnEnv(env),
    stdio: ['pipe', 'pipe', 'pipe'], // stdin is the supervisor's lifeline: nodes exit when it closes
  });
  let errors = '';
  child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const log = new EventLog<NodeEvent>(
    child.stdout!,
    () => `${options.name ?? program}${errors && ` (stderr: ${errors.trim()})`}`,
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  return {
    child,
    events: log.events,
    seen: log.seen,
    stderr: () => errors,
    waitFor: (match, timeoutMs = 10_000, after = 0) =>
      log.waitFor((event, at) => at >= after && match(event), timeoutMs),
    next: async <T extends NodeEvent>(match: (event: NodeEvent) => boolean, timeoutMs = 10_000, from = 0) =>
      (await log.waitFor(match, timeoutMs, from)).event as T,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
    tell(line) {
      child.stdin!.write(line + '\n');
    },
    exited,
  };
}

/** True while a process with this id exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
