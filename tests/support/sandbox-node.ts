// Runs one sandbox program (the real bundle in sandboxes/dist) as a node of a test network, the way the supervisor
// does (SANDBOX_NET, SANDBOX_ADDR, SANDBOX_EVENTS=1), and records its JSON-line events with the time they arrived.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { NodeEvent } from '../../sandboxes/contracts/events/index';
import { constrainedEnv } from '../../src/runtime/local/constraints';
import { spawnEnv } from './constraints';

export const dist = join(import.meta.dirname, '..', '..', 'sandboxes', 'dist');

export interface Seen {
  event: NodeEvent;
  /** performance.now() in the test process when the line arrived. */
  at: number;
}

export interface SandboxNode {
  child: ChildProcess;
  seen: Seen[];
  stderr: () => string;
  /** Resolves with the first event (already seen or future) that matches, or rejects after timeoutMs. */
  waitFor(match: (event: NodeEvent) => boolean, timeoutMs?: number, after?: number): Promise<Seen>;
  /** Sends a signal and resolves when the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Sends one line to its control channel (stdin), as the supervisor does: reload, freeze, resume, stop... */
  tell(line: string): void;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
}

export function startNode(
  program: string,
  args: string[],
  options: { cwd: string; net: string; address: string; name: string; /** Under WebContainer constraints whatever SANDBOX_CONSTRAINTS says. */ constrained?: boolean },
): SandboxNode {
  const env = { ...process.env, SANDBOX_NET: options.net, SANDBOX_ADDR: options.address, SANDBOX_EVENTS: '1', SANDBOX_NODE: options.name };
  const child = spawn(process.execPath, [join(dist, `${program}.js`), ...args], {
    cwd: options.cwd,
    env: options.constrained ? constrainedEnv(env) : spawnEnv(env),
    stdio: ['pipe', 'pipe', 'pipe'], // stdin is the supervisor's lifeline: nodes exit when it closes
  });
  const seen: Seen[] = [];
  const waiters = new Set<() => void>();
  let errors = '';
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const at = performance.now();
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop()!;
    for (const line of lines) if (line.trim()) seen.push({ event: JSON.parse(line), at });
    waiters.forEach((w) => w());
  });
  child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  return {
    child,
    seen,
    stderr: () => errors,
    waitFor(match, timeoutMs = 10_000, after = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = seen.find((s) => s.at >= after && match(s.event));
          if (!found) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${options.name}: no matching event within ${timeoutMs} ms; stderr: ${errors}; events: ${JSON.stringify(seen.slice(-8).map((s) => s.event))}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
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
