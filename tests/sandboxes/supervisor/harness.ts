// A supervisor run for tests: the real bundle in a fresh session folder, its event stream collected from stdout,
// commands through its control API and HTTP requests through the sandbox network as the learner's terminal.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SandboxEvent } from '../../../sandboxes/contracts/events/index';
import { connect } from '../../../sandboxes/network/net';
import type { Command, Reply, Status } from '../../../sandboxes/contracts/commands';
import { constrainedEnv } from '../../../src/runtime/local/constraints';
import { spawnEnv } from '../../support/constraints';

export const dist = join(import.meta.dirname, '..', '..', '..', 'sandboxes', 'dist');

/**
 * The runtimes the control tests hold the programs to: plain local processes, and the limits WebContainers are
 * documented to have (no signal but SIGKILL, and that one only once the target's event loop is free; no /proc...),
 * as the local bridge's constrained mode emulates them. For `describe.each`.
 */
export const RUNTIMES = [
  { runtime: 'as local processes', constrained: false },
  { runtime: 'under WebContainer constraints', constrained: true },
];

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export class SupervisorRun {
  readonly events: SandboxEvent[] = [];
  private port = 0;
  /** The session's secret for the control API, from control.json. */
  secret = '';
  private readonly exited: Promise<void>;
  private readonly waiters = new Set<() => void>();

  private constructor(
    readonly folder: string,
    readonly child: ChildProcess,
  ) {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) if (line.trim()) this.events.push(JSON.parse(line));
      this.waiters.forEach((w) => w());
    });
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /**
   * Starts `supervisor --scenario NAME` and resolves once it is ready (control.json written); in a fresh session
   * folder, or in `folder` (where an earlier run may have left its state).
   */
  static async start(scenario: string, folder = mkdtempSync(join(tmpdir(), `supervisor-${scenario}-`)), { constrained = false } = {}): Promise<SupervisorRun> {
    const env = constrained ? constrainedEnv(process.env) : spawnEnv(process.env);
    const child = spawn(process.execPath, [join(dist, 'supervisor.js'), '--scenario', scenario], { cwd: folder, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const run = new SupervisorRun(folder, child);
    // Generous: on a machine shared by many test runs a start-up can take several seconds.
    const ready = await run.waitFor((e) => e.type === 'ready', 45_000);
    run.port = (ready as Extract<SandboxEvent, { type: 'ready' }>).port;
    // Requests from this test process go through the sandbox network as the learner's terminal.
    const control = JSON.parse(readFileSync(join(folder, '.sandbox', 'control.json'), 'utf8'));
    run.secret = control.secret;
    process.env.SANDBOX_NET = control.net;
    process.env.SANDBOX_ADDR = control.client;
    return run;
  }

  get controlPort(): number {
    return this.port;
  }

  /** Sends a command to the control API (with the session's secret) and returns the reply. */
  async command(command: Command): Promise<Reply> {
    const res = await fetch(`http://127.0.0.1:${this.port}/command`, { method: 'POST', body: JSON.stringify(command), headers: { authorization: `Bearer ${this.secret}` } });
    return (await res.json()) as Reply;
  }

  async status(): Promise<Status> {
    const reply = await this.command({ cmd: 'status' });
    if (!reply.ok || !reply.status) throw new Error(`status failed: ${JSON.stringify(reply)}`);
    return reply.status;
  }

  /** The first event (seen or to come) after `afterSeq` that matches; rejects after `ms` with the events seen. */
  waitFor(match: (event: SandboxEvent) => boolean, ms = 10_000, afterSeq = 0): Promise<SandboxEvent> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.events.find((e) => e.seq > afterSeq && match(e));
        if (!found) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no matching event within ${ms} ms; last events:\n${this.events.slice(-15).map((e) => JSON.stringify(e)).join('\n')}`));
      }, ms);
      this.waiters.add(check);
      check();
    });
  }

  /** Resolves when the goal's latest event says met. */
  goalMet(id: string, ms = 15_000): Promise<SandboxEvent> {
    return this.waitFor((e) => e.type === 'goal' && e.id === id && e.met, ms);
  }

  lastSeq(): number {
    return this.events.at(-1)?.seq ?? 0;
  }

  /** The process ids of every node the supervisor started. */
  pids(): number[] {
    return this.events.flatMap((e) => (e.type === 'node.started' ? [e.pid] : []));
  }

  /** Stops the supervisor with a signal and waits for it to exit; removes the session folder unless told to keep it. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', { keepFolder = false } = {}): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    await this.exited;
    if (!keepFolder) rmSync(this.folder, { recursive: true, force: true });
  }
}

/** GET through the sandbox network, as the learner's terminal (203.0.113.10). */
export function get(address: string, path = '/', timeoutMs = 5000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // One connection per request (as curl does), so no pooled socket is reused across the virtual addresses.
    const req = http.request({ path, headers: { connection: 'close' }, createConnection: () => connect(address) }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    const timer = setTimeout(() => req.destroy(Object.assign(new Error(`no answer from ${address}${path} within ${timeoutMs} ms`), { code: 'TIMEOUT' })), timeoutMs);
    req.on('close', () => clearTimeout(timer));
    req.on('error', (error) => reject(Object.assign(error, { message: `${error.message} (GET http://${address}${path})` })));
    req.end();
  });
}

/**
 * Open-loop traffic like the shell's `load`: one request every 1000/rate ms for `ms`, whatever the answers; or until
 * `stop` is aborted (as Ctrl-C stops the shell's), with the answers to the requests sent until then.
 */
export async function load(address: string, rate: number, ms: number, stop?: AbortSignal): Promise<Answer[]> {
  const answers: Promise<Answer>[] = [];
  const start = performance.now();
  // Each request leaves at its own time on the schedule, so a busy machine delays requests but does not drop them.
  for (let i = 0; i < Math.round((rate * ms) / 1000); i++) {
    await sleep(start + (i * 1000) / rate - performance.now(), undefined, { signal: stop }).catch(() => {});
    if (stop?.aborted) break;
    answers.push(get(address, '/', 10_000).catch((error) => ({ status: 0, headers: {}, body: String(error) })));
  }
  return Promise.all(answers);
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
