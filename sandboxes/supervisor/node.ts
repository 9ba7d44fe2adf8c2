// One node of the topology and the OS process behind it: start it with its virtual address; reload, freeze, resume
// and stop it over its control channel (its stdin, ../shared/control-channel.ts), each confirmed by the node's own
// event; kill it with SIGKILL, the one signal every runtime delivers (a WebContainer delivers no other). What the
// supervisor did to a node is recorded here, not read from the exit signal it is told, which a WebContainer does
// not report. Every wait is bounded. Its stdout (JSON events) and stderr (log lines) go into the event stream.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ControlEvent } from '../contracts/events/control';
import type { LogEvent, NodeEvent, SandboxEvent } from '../contracts/events/index';
import { eachEventLine } from '../shared/event-lines';
import { forgetListener, localPort } from '../network/net';
import type { ScenarioNode } from '../contracts/scenario';
import { describeExit, type ExitCause, type NodeExit, type NodeState, type NodeStatus } from '../contracts/commands';
import type { Spares } from './spares';
import type { EventStream } from './stream';

export interface Places {
  /** The session folder: every node's working directory. */
  session: string;
  /** Where the program bundles are (<dist>/<program>.js). */
  dist: string;
  /** The network folder (../network/net.ts). */
  net: string;
}

/**
 * How long a starting node may take to take commands and listen on its ports before `start` answers anyway. Like
 * `systemctl start` of a service that says when it is ready (TimeoutStartSec, 90 s by default), `infra start` returns
 * once the node serves, so the learner's next `curl` reaches it: a Node.js start takes a quarter of a second on an
 * idle laptop but several seconds on a busy one (or in a WebContainer), and an answer before then sent learners'
 * next command into a refused connection.
 */
const READY_WITHIN_MS = 15_000;
/** How long a node may take to confirm a reload, a freeze or a resume. */
const CONFIRM_WITHIN_MS = 5000;
/** How long a graceful stop may take before SIGKILL (systemd waits 90 s; a lesson cannot). */
const STOP_WITHIN_MS = 2000;
/** How long a process may take to be gone after SIGKILL (a WebContainer kills only a process whose event loop is free). */
export const EXIT_WITHIN_MS = 3000;

/** How many of a node's last log lines are kept, and how long its output may trail its exit. */
const SAID_KEPT = 20;
const OUTPUT_WITHIN_MS = 1000;

/** What every node's process starts with; each node adds its own address and name (SANDBOX_ADDR, SANDBOX_NODE). */
export function nodeEnvironment(places: Places): NodeJS.ProcessEnv {
  return { ...process.env, SANDBOX_NET: places.net, SANDBOX_EVENTS: '1' };
}

export class Node {
  state: NodeState = 'stopped';
  private child?: ChildProcess;
  private exit?: NodeExit;
  /** What the supervisor is doing to end the process, so its exit is recorded as that, not as a crash. */
  private ending?: Exclude<ExitCause, 'exited'>;
  private exited?: Promise<void>;
  behaviour?: NodeStatus['behaviour'];

  constructor(
    readonly spec: ScenarioNode,
    private readonly places: Places,
    private readonly stream: EventStream,
    private readonly spares?: Spares,
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

  /** Starts the process and waits (up to 5 s) until it takes commands and listens on every port the scenario declares. */
  async start(): Promise<string> {
    if (this.child) throw new Error(`${this.name} is already ${this.state} (pid ${this.child.pid})`);
    const bundle = join(this.places.dist, `${this.spec.program}.js`);
    if (!existsSync(bundle))
      throw new Error(`cannot start ${this.name}: ${bundle} is missing; build the sandboxes (npm run build:sandboxes)`);

    const before = this.spec.ports.map((port) => localPort({ host: this.spec.address, port }));
    const identity = { SANDBOX_ADDR: this.spec.address, SANDBOX_NODE: this.name };
    const child =
      this.spares?.take(this.spec.program, this.spec.args, identity) ??
      spawn(process.execPath, [bundle, ...this.spec.args], {
        cwd: this.places.session,
        env: { ...nodeEnvironment(this.places), ...identity },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    this.child = child;
    this.ending = undefined;
    this.state = 'running';
    this.exit = undefined;
    this.behaviour = undefined;
    const takesCommands = this.answer(child, 'control.ready', READY_WITHIN_MS);
    // A node that died already has closed its stdin; writing to it must not take the supervisor down.
    child.stdin!.on('error', () => {});
    const said: string[] = []; // its last log lines, to say why if it fails to start
    const heard = (event: NodeEvent) => {
      if (event.type !== 'log') return;
      said.push(event.text);
      if (said.length > SAID_KEPT) said.shift();
    };
    // A program that prints plain text under the supervisor: keep it, as a log line.
    eachEventLine<NodeEvent>(child.stdout!, (event, line) => {
      const told = event ?? { type: 'log', level: 'info', text: line };
      heard(told);
      this.fromStdout(told);
    });
    createInterface({ input: child.stderr! }).on('line', (line) => {
      const told = stderrLog(line);
      heard(told);
      this.stream.publish(this.name, told);
    });
    // After 'exit', its last output may still be on the way: 'close' comes once stdout and stderr have ended.
    const closed = new Promise((resolve) => child.once('close', resolve));
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => resolve(this.ended(child, code, signal))),
    );
    this.stream.publish('supervisor', {
      type: 'node.started',
      name: this.name,
      pid: child.pid!,
      address: this.spec.address,
    });
    const [ready, listening] = await Promise.all([takesCommands, this.listening(before)]);
    if (this.child !== child) {
      await Promise.race([closed, sleep(OUTPUT_WITHIN_MS, undefined, { ref: false })]);
      throw new Error(`${this.name} exited as it started (${describeExit(this.exit)})${lastWords(said)}`);
    }
    const started = `started ${this.name} (pid ${child.pid})`;
    if (!ready)
      return `${started}, but it does not take commands yet (no answer on its control channel within ${READY_WITHIN_MS / 1000} s)`;
    return listening ? started : `${started}, but it does not listen on every port yet`;
  }

  /** `kill -9`: the process ends at once, its connections are reset. */
  async kill(): Promise<string> {
    const child = this.running('kill');
    this.ending = 'killed';
    child.kill('SIGKILL');
    if (!(await this.gone(child, EXIT_WITHIN_MS))) throw new Error(this.abandon(child));
    return `killed ${this.name} (pid ${child.pid}) with SIGKILL`;
  }

  /**
   * A polite stop (`systemctl stop`): `stop` on its control channel, then SIGKILL if it is still there after 2 s.
   * A frozen node is resumed first, as systemd sends SIGCONT after SIGTERM. Returns how it went.
   */
  async stop(): Promise<string> {
    const child = this.child;
    if (!child) return `${this.name} was not running`;
    this.ending = 'stopped';
    child.stdin!.write(this.state === 'frozen' ? 'resume\nstop\n' : 'stop\n');
    if (await this.gone(child, STOP_WITHIN_MS)) return `${this.name} stopped`;
    this.ending = 'killed';
    child.kill('SIGKILL');
    if (await this.gone(child, EXIT_WITHIN_MS))
      return `${this.name} did not stop within ${STOP_WITHIN_MS / 1000} s and was killed with SIGKILL`;
    return this.abandon(child);
  }

  /** An in-process hang, as under SIGSTOP: its sockets stay open but nothing is answered and its timers stop. */
  async freeze(): Promise<string> {
    const child = this.running('freeze');
    if (this.state === 'frozen')
      throw new Error(`${this.name} is already frozen; resume it with infra resume ${this.name}`);
    await this.ask(child, 'freeze', 'control.frozen');
    this.state = 'frozen';
    this.stream.publish('supervisor', { type: 'node.frozen', name: this.name });
    return `froze ${this.name} (pid ${child.pid}): it keeps its sockets open and answers nothing`;
  }

  async resume(): Promise<string> {
    const child = this.running('resume');
    if (this.state !== 'frozen') throw new Error(`${this.name} is not frozen`);
    await this.ask(child, 'resume', 'control.resumed');
    this.state = 'running';
    this.stream.publish('supervisor', { type: 'node.resumed', name: this.name });
    return `resumed ${this.name} (pid ${child.pid}): it handles what arrived meanwhile`;
  }

  /** Asks the node to re-read its configuration; fails with the node's own errors when it kept the running one. */
  async reload(): Promise<string[]> {
    const child = this.running('reload');
    if (this.state === 'frozen')
      throw new Error(`${this.name} is frozen and reads no command; resume it first (infra resume ${this.name})`);
    const answer = (await this.ask(child, 'reload', 'control.reload')) as Extract<
      SandboxEvent,
      { type: 'control.reload' }
    >;
    if (!answer.ok) {
      throw new Error(
        `${this.name} did not reload; it keeps running its previous configuration:\n${answer.errors.join('\n')}`,
      );
    }
    this.stream.publish('supervisor', { type: 'node.reloaded', name: this.name, files: answer.files });
    return answer.files;
  }

  /** Sends one line to the node's stdin (e.g. a web server's behaviour). */
  tell(line: string): void {
    const child = this.running('change the behaviour of');
    if (this.state === 'frozen')
      throw new Error(`${this.name} is frozen and reads no command; resume it first (infra resume ${this.name})`);
    child.stdin!.write(line + '\n');
  }

  private running(what: string): ChildProcess {
    if (!this.child)
      throw new Error(`cannot ${what} ${this.name}: it is ${this.state}; start it first (infra start ${this.name})`);
    return this.child;
  }

  /** Sends a control command and waits for the node's answer (bounded). */
  private async ask(child: ChildProcess, line: string, answer: ControlEvent['type']): Promise<SandboxEvent> {
    const answered = this.answer(child, answer, CONFIRM_WITHIN_MS);
    child.stdin!.write(line + '\n');
    const event = await answered;
    if (event) return event;
    if (this.child !== child)
      throw new Error(`${this.name} exited before confirming '${line}' (${describeExit(this.exit)})`);
    throw new Error(`${this.name} did not confirm '${line}' within ${CONFIRM_WITHIN_MS / 1000} s`);
  }

  /** The node's next event of this type, or undefined if it exits or `ms` pass first. */
  private answer(child: ChildProcess, type: ControlEvent['type'], ms: number): Promise<SandboxEvent | undefined> {
    return new Promise((resolve) => {
      const finish = (event: SandboxEvent | undefined) => {
        child.off('exit', gone);
        resolve(event);
      };
      const gone = () => finish(undefined);
      child.once('exit', gone);
      void this.stream.waitFor((e) => e.node === this.name && e.type === type, ms).then(finish);
    });
  }

  /** True once the process has exited, false if it is still there after `ms`. */
  private async gone(child: ChildProcess, ms: number): Promise<boolean> {
    if (this.child !== child) return true;
    const timeout = sleep(ms, false, { ref: false });
    return Promise.race([this.exited!.then(() => true), timeout]);
  }

  /** Gives up on a process that did not exit after SIGKILL: the node counts as stopped and can be started again. */
  private abandon(child: ChildProcess): string {
    const message = `${this.name} (pid ${child.pid}) did not exit within ${EXIT_WITHIN_MS / 1000} s of SIGKILL; abandoned`;
    this.ended(child, null, null, true);
    this.stream.publish('supervisor', { type: 'log', level: 'error', text: message });
    return message;
  }

  private fromStdout(event: NodeEvent): void {
    if (event.type === 'web.behaviour') {
      const { slow_ms, flaky, frozen, workers, backlog, service_ms } = event;
      this.behaviour = { slow_ms, flaky, frozen, workers, backlog, service_ms };
    }
    this.stream.publish(this.name, event);
  }

  private ended(child: ChildProcess, code: number | null, signal: string | null, abandoned = false): void {
    if (this.child !== child) return;
    this.child = undefined;
    forgetListener(this.spec.address);
    const cause = this.ending ?? 'exited';
    this.exit = { code, signal, cause };
    this.state = cause !== 'exited' || code === 0 ? 'stopped' : 'crashed';
    this.stream.publish('supervisor', {
      type: 'node.exited',
      name: this.name,
      code,
      signal,
      cause,
      state: this.state,
      ...(abandoned && { abandoned }),
    });
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
        // Looked at again as soon as the node says anything (it says when it listens: web.listening, a log line), else
        // in 25 ms: a node that says nothing at once would wait half a poll on average, one wave of the start each.
        await this.stream.waitFor((event) => event.node === this.name, 25);
      }
    }
    return true;
  }
}

/** A failed start's own explanation: its last few log lines, without the stack frames and Node's version line. */
function lastWords(said: readonly string[]): string {
  const told = said.filter((line) => line.trim() && !/^\s+at |^Node\.js v\d/.test(line)).slice(-3);
  return told.length ? `; it said:\n  ${told.join('\n  ')}` : '; it logged nothing';
}

/** Node stderr lines become log events; HAProxy-style prefixes give the level. */
function stderrLog(text: string): LogEvent {
  const level = /^\[ALERT\]/.test(text)
    ? 'alert'
    : /^\[WARNING\]/.test(text)
      ? 'warning'
      : /^\[NOTICE\]/.test(text)
        ? 'notice'
        : 'error';
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
