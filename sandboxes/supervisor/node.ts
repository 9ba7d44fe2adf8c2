// One node of the topology and the OS process behind it: start it with its virtual address, and kill, stop,
// freeze or resume it with the signals a real machine's processes get. Its stdout (JSON events) and stderr (log
// lines) go into the event stream.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LogEvent, NodeEvent } from '../shared/events/index';
import { localPort } from '../shared/net';
import type { ScenarioNode } from '../scenarios/scenario';
import type { NodeState, NodeStatus } from './commands';
import type { EventStream } from './stream';

export interface Places {
  /** The session folder: every node's working directory. */
  session: string;
  /** Where the program bundles are (<dist>/<program>.js). */
  dist: string;
  /** The network folder (../shared/net.ts). */
  net: string;
}

/** How long a starting node may take to listen on its ports before `start` answers anyway. */
const READY_WITHIN_MS = 5000;

export class Node {
  state: NodeState = 'stopped';
  private child?: ChildProcess;
  private exit?: { code: number | null; signal: string | null };
  /** Set when the supervisor ends the process itself, so the exit counts as stopped, not crashed. */
  private stopping = false;
  private exited?: Promise<void>;
  behaviour?: NodeStatus['behaviour'];

  constructor(
    readonly spec: ScenarioNode,
    private readonly places: Places,
    private readonly stream: EventStream,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  status(): NodeStatus {
    const { name, role, address, ports, program, args, config } = this.spec;
    return {
      name,
      role,
      address,
      ports,
      program,
      args,
      ...(config && { config }),
      state: this.state,
      ...(this.child && { pid: this.child.pid }),
      ...(this.state !== 'running' && this.state !== 'frozen' && this.exit && { exit: this.exit }),
      ...(this.behaviour && { behaviour: this.behaviour }),
    };
  }

  /** Starts the process and waits (up to 5 s) until it listens on every port the scenario declares. */
  async start(): Promise<string> {
    if (this.child) throw new Error(`${this.name} is already ${this.state} (pid ${this.child.pid})`);
    const bundle = join(this.places.dist, `${this.spec.program}.js`);
    if (!existsSync(bundle)) throw new Error(`cannot start ${this.name}: ${bundle} is missing; build the sandboxes (npm run build:sandboxes)`);

    const before = this.spec.ports.map((port) => localPort({ host: this.spec.address, port }));
    const child = spawn(process.execPath, [bundle, ...this.spec.args], {
      cwd: this.places.session,
      env: { ...process.env, SANDBOX_NET: this.places.net, SANDBOX_ADDR: this.spec.address, SANDBOX_EVENTS: '1', SANDBOX_NODE: this.name },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    this.stopping = false;
    this.state = 'running';
    this.exit = undefined;
    this.behaviour = undefined;
    // A node that died already has closed its stdin; writing to it must not take the supervisor down.
    child.stdin!.on('error', () => {});
    createInterface({ input: child.stdout! }).on('line', (line) => this.fromStdout(line));
    createInterface({ input: child.stderr! }).on('line', (line) => this.stream.publish(this.name, stderrLog(line)));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(this.ended(child, code, signal))));
    this.stream.publish('supervisor', { type: 'node.started', name: this.name, pid: child.pid!, address: this.spec.address });
    const ready = await this.listening(before);
    if (this.child !== child) throw new Error(`${this.name} exited as it started (${describeExit(this.exit)}); see its log lines`);
    return ready ? `started ${this.name} (pid ${child.pid})` : `started ${this.name} (pid ${child.pid}), but it does not listen on every port yet`;
  }

  /** `kill -9`: the process ends at once, its connections are reset. */
  async kill(): Promise<string> {
    const child = this.running('kill');
    this.stopping = true;
    child.kill('SIGKILL');
    await this.exited;
    return `killed ${this.name} (pid ${child.pid}) with SIGKILL`;
  }

  /** A polite stop: SIGTERM, then SIGKILL if it is still there after 2 s (as systemd does, with a shorter wait). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.stopping = true;
    if (this.state === 'frozen') child.kill('SIGKILL');
    else child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    await this.exited;
    clearTimeout(timer);
  }

  /** SIGSTOP: the process keeps its sockets but runs no more; connections are accepted by the kernel and hang. */
  async freeze(): Promise<string> {
    const child = this.running('freeze');
    if (this.state === 'frozen') throw new Error(`${this.name} is already frozen`);
    try {
      child.kill('SIGSTOP');
    } catch (error) {
      throw new Error(`freeze is not possible in this runtime (SIGSTOP failed: ${(error as Error).message}); kill the node instead`);
    }
    // Some runtimes (WebContainers) accept the signal and do nothing: look at the process where /proc tells.
    if (!(await stoppedWithin(child.pid!, 500))) {
      throw new Error('freeze is not possible in this runtime (SIGSTOP had no effect); kill the node instead');
    }
    this.state = 'frozen';
    this.stream.publish('supervisor', { type: 'node.frozen', name: this.name });
    return `froze ${this.name} (pid ${child.pid}) with SIGSTOP`;
  }

  resume(): string {
    const child = this.running('resume');
    if (this.state !== 'frozen') throw new Error(`${this.name} is not frozen`);
    child.kill('SIGCONT');
    this.state = 'running';
    this.stream.publish('supervisor', { type: 'node.resumed', name: this.name });
    return `resumed ${this.name} (pid ${child.pid}) with SIGCONT`;
  }

  signal(signal: NodeJS.Signals): void {
    this.running('reload').kill(signal);
  }

  /** Sends one line to the node's stdin (e.g. a web server's behaviour). */
  tell(line: string): void {
    this.running('change the behaviour of').stdin!.write(line + '\n');
  }

  private running(what: string): ChildProcess {
    if (!this.child) throw new Error(`cannot ${what} ${this.name}: it is ${this.state}; start it first (infra start ${this.name})`);
    return this.child;
  }

  private fromStdout(line: string): void {
    let event: NodeEvent;
    try {
      event = JSON.parse(line);
      if (typeof event?.type !== 'string') throw new Error('no type');
    } catch {
      // A program that prints plain text under the supervisor: keep it, as a log line.
      event = { type: 'log', level: 'info', text: line };
    }
    if (event.type === 'web.behaviour') this.behaviour = { slow_ms: event.slow_ms, flaky: event.flaky, frozen: event.frozen };
    this.stream.publish(this.name, event);
  }

  private ended(child: ChildProcess, code: number | null, signal: string | null): void {
    if (this.child !== child) return;
    this.child = undefined;
    this.exit = { code, signal };
    this.state = this.stopping || code === 0 ? 'stopped' : 'crashed';
    this.stream.publish('supervisor', { type: 'node.exited', name: this.name, code, signal, state: this.state });
  }

  /** Waits until each declared port has a new listener that accepts connections. */
  private async listening(before: (number | undefined)[]): Promise<boolean> {
    const deadline = performance.now() + READY_WITHIN_MS;
    const child = this.child;
    for (const [i, port] of this.spec.ports.entries()) {
      for (;;) {
        if (this.child !== child) return false;
        const now = localPort({ host: this.spec.address, port });
        if (now !== undefined && now !== before[i] && (await accepts(now))) break;
        if (performance.now() > deadline) return false;
        await sleep(25);
      }
    }
    return true;
  }
}

/** Node stderr lines become log events; HAProxy-style prefixes give the level. */
function stderrLog(text: string): LogEvent {
  const level = /^\[ALERT\]/.test(text) ? 'alert' : /^\[WARNING\]/.test(text) ? 'warning' : /^\[NOTICE\]/.test(text) ? 'notice' : 'error';
  return { type: 'log', level, text };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => resolve(true));
    socket.once('error', () => resolve(false));
    socket.once('connect', () => socket.destroy());
  });
}

/** True once /proc shows the process stopped (T); true at once where there is no /proc to ask. */
async function stoppedWithin(pid: number, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  for (;;) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return true;
    }
    const state = stat[stat.lastIndexOf(')') + 2];
    if (state === 'T' || state === 't') return true;
    if (performance.now() > deadline) return false;
    await sleep(10);
  }
}

export function describeExit(exit: { code: number | null; signal: string | null } | undefined): string {
  if (!exit) return 'still running';
  return exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
}
