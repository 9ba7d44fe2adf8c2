// A supervisor running a scenario, for tests: the real bundle in a session folder, with every node it starts as a
// real process; its event stream collected from stdout, commands through its control API, and HTTP requests from
// this test process through the sandbox network as the learner's terminal.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SandboxEvent } from '../../sandboxes/contracts/events/index';
import { connect } from '../../sandboxes/network/net';
import type { Command, Reply, Status } from '../../sandboxes/contracts/commands';
import { EXIT_WITHIN_MS } from '../../sandboxes/supervisor/node';
import { constrainedEnv } from '../../src/runtime/local/constraints';
import { spawnEnv } from './constraints';
import { EventLog } from './event-log';
import { dist } from './sandbox-node';
import { withShell, type ShellSession } from './terminal';

/**
 * The runtimes the control tests hold the programs to: plain local processes, and the limits WebContainers are
 * documented to have (no signal but SIGKILL, and that one only once the target's event loop is free; no /proc...),
 * as the local bridge's constrained mode emulates them. For `describe.each`.
 */
export const RUNTIMES = [
  { runtime: 'as local processes', constrained: false },
  { runtime: 'under WebContainer constraints', constrained: true },
];

export type GoalEvent = Extract<SandboxEvent, { type: 'goal' }>;

/** How long a supervisor may take to stop: its shutdown kills the nodes (each within EXIT_WITHIN_MS), twice over. */
const STOP_WITHIN_MS = 2 * EXIT_WITHIN_MS + 4000;

export class SupervisorRun {
  /** The session folder (set when it starts). */
  folder = '';
  /** The session's secret for the control API, from control.json. */
  secret = '';
  private port = 0;
  private running: { child: ChildProcess; log: EventLog<SandboxEvent> } | undefined;
  private exited: Promise<void> = Promise.resolve();
  private errors = '';

  /** A run of `supervisor --scenario NAME`, not started yet: in a fresh session folder, or in `folder` (where an earlier run may have left its state). */
  constructor(
    readonly scenario: string,
    private readonly options: { folder?: string; constrained?: boolean } = {},
  ) {}

  /** Starts a run and resolves once it is ready. */
  static async start(
    scenario: string,
    options: { folder?: string; constrained?: boolean } = {},
  ): Promise<SupervisorRun> {
    const run = new SupervisorRun(scenario, options);
    await run.start();
    return run;
  }

  /** Starts the supervisor and resolves once it is ready (the topology is up, control.json written). */
  async start(readyMs = 45_000): Promise<void> {
    this.folder = this.options.folder ?? mkdtempSync(join(tmpdir(), `supervisor-${this.scenario}-`));
    const env = this.options.constrained ? constrainedEnv(process.env) : spawnEnv(process.env);
    // stdin stays open: the supervisor stops when it ends.
    const child = spawn(process.execPath, [join(dist, 'supervisor.js'), '--scenario', this.scenario], {
      cwd: this.folder,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stderr!.on('data', (chunk: Buffer) => (this.errors += chunk.toString()));
    const log = new EventLog<SandboxEvent>(
      child.stdout!,
      () => `the ${this.scenario} supervisor${this.errors && ` (stderr: ${this.errors.trim()})`}`,
    );
    this.running = { child, log };
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    // Generous: on a machine shared by many test runs a start-up can take several seconds.
    const ready = this.waitFor((e) => e.type === 'ready', readyMs);
    const died = this.exited.then(() => {
      throw new Error(
        `the ${this.scenario} supervisor exited (code ${child.exitCode}, signal ${child.signalCode}) before it was ready: ${this.errors}`,
      );
    });
    // A run that did not come up is stopped at once, so that its nodes do not load the machine for the tests after it.
    const up = await Promise.race([ready, died]).catch(async (error: Error) => {
      await this.stop('SIGKILL', { keepFolder: this.options.folder !== undefined });
      throw error;
    });
    this.port = (up as Extract<SandboxEvent, { type: 'ready' }>).port;
    // Requests from this test process go through the sandbox network as the learner's terminal.
    const control = JSON.parse(readFileSync(join(this.folder, '.sandbox', 'control.json'), 'utf8'));
    this.secret = control.secret;
    process.env.SANDBOX_NET = control.net;
    process.env.SANDBOX_ADDR = control.client;
  }

  get child(): ChildProcess {
    return this.started.child;
  }

  get events(): SandboxEvent[] {
    return this.started.log.events;
  }

  get controlPort(): number {
    return this.port;
  }

  /** Sends a command to the control API (with the session's secret) and returns the reply. */
  async command(command: Command): Promise<Reply> {
    const res = await fetch(`http://127.0.0.1:${this.port}/command`, {
      method: 'POST',
      body: JSON.stringify(command),
      headers: { authorization: `Bearer ${this.secret}` },
    });
    return (await res.json()) as Reply;
  }

  async status(): Promise<Status> {
    const reply = await this.command({ cmd: 'status' });
    if (!reply.ok || !reply.status) throw new Error(`status failed: ${JSON.stringify(reply)}`);
    return reply.status;
  }

  /** The first event (seen or to come) after `afterSeq` that matches; rejects after `ms` with the events seen. */
  async waitFor(match: (event: SandboxEvent) => boolean, ms = 10_000, afterSeq = 0): Promise<SandboxEvent> {
    return (await this.started.log.waitFor((e) => e.seq > afterSeq && match(e), ms)).event;
  }

  /** Waits until `what` holds (it may ask the shell, the network...), failing with the latest events when `ms` runs out. */
  async until(what: () => unknown, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await what())) {
      if (Date.now() > deadline) {
        const goals = this.events.filter((e) => e.type === 'goal').slice(-4);
        throw new Error(
          `timed out; last goal events: ${JSON.stringify(goals)}; last events: ${JSON.stringify(this.events.slice(-6))}`,
        );
      }
      await sleep(100);
    }
  }

  /** The latest `goal` event for a goal id (undefined before the supervisor first reported it). */
  goal(id: string): GoalEvent | undefined {
    return this.events.filter((e): e is GoalEvent => e.type === 'goal' && e.id === id).at(-1);
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

  /**
   * Stops the supervisor with a signal and waits for it to exit (it stops its nodes first); removes the session folder
   * unless told to keep it. A supervisor still running STOP_WITHIN_MS later is killed, and that is an error.
   */
  async stop(signal: NodeJS.Signals = 'SIGTERM', { keepFolder = false } = {}): Promise<void> {
    const child = this.running?.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_WITHIN_MS);
      await this.exited;
      clearTimeout(timer);
      if (child.signalCode === 'SIGKILL' && signal !== 'SIGKILL')
        throw new Error(`the ${this.scenario} supervisor did not exit within ${STOP_WITHIN_MS} ms of ${signal}`);
    }
    if (!keepFolder && this.folder) rmSync(this.folder, { recursive: true, force: true });
  }

  private get started(): { child: ChildProcess; log: EventLog<SandboxEvent> } {
    if (!this.running) throw new Error(`the ${this.scenario} supervisor has not been started`);
    return this.running;
  }
}

/**
 * A scenario with a learner's shell in its folder, for the tests of one describe block: the topology is up and the
 * shell shows its prompt before the first test; both stop after the last.
 */
export function scenarioWithShell(
  name: string,
  upMs = 90_000,
): { readonly scenario: SupervisorRun; readonly shell: ShellSession } {
  const scenario = new SupervisorRun(name);
  // Its own bound inside the hook's, so that a start that takes too long says why.
  const lab = withShell(
    {
      start: () => scenario.start(upMs - 10_000),
      stop: () => scenario.stop(),
      get folder() {
        return scenario.folder;
      },
    },
    upMs,
  );
  return {
    scenario,
    get shell() {
      return lab.shell;
    },
  };
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** GET through the sandbox network, as the learner's terminal (203.0.113.10). */
export function get(address: string, path = '/', timeoutMs = 5000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // One connection per request (as curl does), so no pooled socket is reused across the virtual addresses.
    const req = http.request(
      { path, headers: { connection: 'close' }, createConnection: () => connect(address) },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    const timer = setTimeout(
      () =>
        req.destroy(
          Object.assign(new Error(`no answer from ${address}${path} within ${timeoutMs} ms`), { code: 'TIMEOUT' }),
        ),
      timeoutMs,
    );
    req.on('close', () => clearTimeout(timer));
    req.on('error', (error) =>
      reject(Object.assign(error, { message: `${error.message} (GET http://${address}${path})` })),
    );
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
    await sleep(Math.max(0, start + (i * 1000) / rate - performance.now()), undefined, { signal: stop }).catch(
      () => {},
    );
    if (stop?.aborted) break;
    answers.push(get(address, '/', 10_000).catch((error) => ({ status: 0, headers: {}, body: String(error) })));
  }
  return Promise.all(answers);
}
