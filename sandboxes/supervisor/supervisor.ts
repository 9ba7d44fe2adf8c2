// The supervisor's core: the scenario's nodes, the cut links and the goals, and what each command does to them.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setLinkCut } from '../network/net';
import { readSessionFile, writeSessionFile } from '../shared/session-folder';
import { describeScenario, type Scenario, type ScenarioNode, type World } from '../contracts/scenario';
import { toLine, describeChange } from '../web/behaviour';
import type { Command, Reply, Status } from '../contracts/commands';
import { Goals } from './goals';
import { Node, type Places } from './node';
import type { Spares } from './spares';
import { startAfter } from './start-order';
import type { EventStream } from './stream';

export class Supervisor {
  private readonly nodes: Node[];
  private cuts: [string, string][] = [];
  /** The scenario's start in progress, and whether the supervisor is stopping (then nothing more is started). */
  private booting: Promise<void> = Promise.resolve();
  private closing = false;
  /** Commands waiting for their `after_ms`; forgotten on reset and shutdown. */
  private readonly scheduled = new Set<NodeJS.Timeout>();
  readonly goals: Goals;
  /** Commands run one at a time, in arrival order, whichever way they came. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly scenario: Scenario,
    private readonly places: Places,
    private readonly stream: EventStream,
    private readonly spares?: Spares,
  ) {
    this.nodes = scenario.nodes.map((spec) => new Node(spec, places, stream, spares));
    this.goals = new Goals(scenario, () => this.world(), stream);
  }

  /** Writes the files, starts the nodes (each as soon as the nodes it names listen) and applies the starting faults. */
  boot(): Promise<void> {
    this.booting = this.startAll();
    return this.booting;
  }

  private async startAll(): Promise<void> {
    mkdirSync(this.places.net, { recursive: true });
    // A link left in a lab file's place is replaced, never written through.
    for (const [name, text] of Object.entries(this.scenario.files))
      writeSessionFile(join(this.places.session, name), text);
    this.stream.newRun();
    this.stream.publish('supervisor', { type: 'scenario', ...describeScenario(this.scenario) });
    this.goals.restart();
    // Each node starts once the nodes it waits for have started (or failed to: that is logged, and the rest go on).
    const waits = startAfter(this.scenario);
    const starting = new Map<ScenarioNode, Promise<void>>();
    const startNode = async (spec: ScenarioNode) => {
      if (!this.closing) await this.attempt(() => this.node(spec.name).start());
    };
    const start = (spec: ScenarioNode): Promise<void> => {
      let started = starting.get(spec);
      if (!started) {
        const before = waits.get(spec)!;
        // A node that waits for nobody is spawned now, before the spares below, so it does not take one of them.
        started = before.length ? Promise.all(before.map(start)).then(() => startNode(spec)) : startNode(spec);
        starting.set(spec, started);
      }
      return started;
    };
    const all = Promise.all([...waits.keys()].map(start)); // not the nodes that start stopped
    // The nodes that wait get spares now: Node.js loads beside the first nodes' start, not after it (spares.ts).
    this.spares?.keep([...waits.values()].filter((before) => before.length).length);
    try {
      await all;
    } finally {
      this.spares?.release();
    }
    for (const fault of this.scenario.faults) if (!this.closing) await this.attempt(() => this.execute(fault));
  }

  /** Runs one command after those before it; never throws: failures are replies with ok false. */
  run(command: Command): Promise<Reply> {
    if ('after_ms' in command && command.after_ms) return Promise.resolve(this.later(command, command.after_ms));
    // A client report is news, not an action: it is stamped when it arrives, not after a restart still under way.
    const done = command.cmd === 'clients' ? this.execute(command) : this.queue.then(() => this.execute(command));
    const reply = done.then(
      (message): Reply => ({
        ok: true,
        ...(command.id !== undefined && { id: command.id }),
        message,
        ...(command.cmd === 'status' && { status: this.status() }),
      }),
      (error): Reply => ({
        ok: false,
        ...(command.id !== undefined && { id: command.id }),
        error: (error as Error).message,
      }),
    );
    if (command.cmd !== 'clients') this.queue = reply;
    return reply;
  }

  /** Schedules a command; its outcome shows in the events (and a failure as an error log line). */
  private later(command: Command, ms: number): Reply {
    const now = { ...command, after_ms: undefined };
    const timer = setTimeout(async () => {
      this.scheduled.delete(timer);
      const reply = await this.run(now);
      if (!reply.ok)
        this.stream.publish('supervisor', {
          type: 'log',
          level: 'error',
          text: `${command.cmd} (scheduled): ${reply.error}`,
        });
    }, ms);
    this.scheduled.add(timer);
    const what =
      'node' in command
        ? `${command.cmd} ${command.node}`
        : `${command.cmd} ${'a' in command ? `${command.a} ${command.b}` : ''}`;
    return {
      ok: true,
      ...(command.id !== undefined && { id: command.id }),
      message: `will ${what.trim()} in ${ms / 1000} s`,
    };
  }

  status(): Status {
    return {
      scenario: this.scenario.name,
      title: this.scenario.title,
      nodes: this.nodes.map((n) => n.status()),
      cuts: this.cuts.map(([a, b]) => [a, b]),
      goals: this.goals.verdicts(),
    };
  }

  /**
   * Kills every node (SIGKILL) and waits until they are gone (each for a bounded time: one that does not exit is
   * reported and abandoned), also if it comes while the scenario is starting.
   */
  async shutdown(): Promise<void> {
    this.closing = true;
    this.goals.stop();
    this.cancelScheduled();
    const killAll = () =>
      Promise.all(this.nodes.map((n) => n.state !== 'stopped' && n.state !== 'crashed' && n.kill().catch(() => {})));
    await killAll();
    await this.booting; // stops before the next group of nodes; those being started are killed below
    await killAll();
  }

  private async execute(command: Command): Promise<string> {
    switch (command.cmd) {
      case 'status':
        return `${this.scenario.name}: ${this.nodes.map((n) => `${n.name} ${n.state}`).join(', ')}`;
      case 'start':
        return this.node(command.node).start();
      case 'kill':
        return this.node(command.node).kill();
      case 'restart': {
        const node = this.node(command.node);
        const stopped = await node.stop();
        return `${stopped}; ${(await node.start()).replace('started', 'restarted')}`;
      }
      case 'freeze':
        return this.node(command.node).freeze();
      case 'resume':
        return this.node(command.node).resume();
      case 'reload': {
        const node = this.node(command.node);
        if (!node.spec.reload)
          throw new Error(`${node.name} has no configuration to reload; nodes that do: ${this.reloadable()}`);
        const files = await node.reload();
        return `reloaded ${node.name}: it re-read ${files.join(' and ')}`;
      }
      case 'quit':
        await this.shutdown();
        return `killed every node of ${this.scenario.name}; the supervisor exits`;
      case 'web': {
        const node = this.node(command.node);
        if (node.spec.role !== 'web') throw new Error(`${node.name} is a ${node.spec.role}, not a web server`);
        const line = toLine(command.behaviour);
        if (!line) throw new Error('give at least one of slow_ms, flaky, frozen, workers, backlog, service_ms');
        const confirmed = this.stream.waitFor((e) => e.node === node.name && e.type === 'web.behaviour', 2000);
        node.tell(line);
        if (!(await confirmed)) throw new Error(`${node.name} did not confirm '${line}' within 2 s`);
        return `${node.name} is now ${describeChange(node.behaviour!, command.behaviour)}`;
      }
      case 'cut':
      case 'heal':
        return this.link(command.cmd, command.a, command.b);
      case 'reset':
        return this.reset();
      case 'clients':
        this.stream.publish('clients', { type: 'client.requests', ...command.report });
        return `published what the clients saw: ${command.report.sent} sent`;
    }
  }

  private link(action: 'cut' | 'heal', a: string, b: string): string {
    const [from, to] = [this.address(a), this.address(b)];
    if (from === to) throw new Error(`${a} and ${b} are the same node`);
    const index = this.cuts.findIndex(([x, y]) => (x === a && y === b) || (x === b && y === a));
    if (action === 'cut' && index >= 0) throw new Error(`the link between ${a} and ${b} is already cut`);
    if (action === 'heal' && index < 0)
      throw new Error(
        `the link between ${a} and ${b} is not cut; cut links: ${this.cuts.map((c) => c.join('~')).join(', ') || 'none'}`,
      );
    setLinkCut(from, to, action === 'cut');
    if (action === 'cut') this.cuts.push([a, b]);
    else this.cuts.splice(index, 1);
    this.stream.publish('supervisor', { type: action === 'cut' ? 'link.cut' : 'link.healed', a, b });
    return action === 'cut'
      ? `cut the link between ${a} (${from}) and ${b} (${to})`
      : `healed the link between ${a} (${from}) and ${b} (${to})`;
  }

  private async reset(): Promise<string> {
    this.cancelScheduled();
    await Promise.all(this.nodes.map((n) => n.stop()));
    rmSync(join(this.places.net, 'cut'), { recursive: true, force: true });
    // Firewalls (ufw rules and their rate-limit counters) go back to the scenario's start too: none installed.
    rmSync(join(this.places.net, 'firewall'), { recursive: true, force: true });
    // Nodes keep their private state (a database's WAL) under .sandbox/data/<node>: a reset starts it afresh.
    rmSync(join(this.places.session, '.sandbox', 'data'), { recursive: true, force: true });
    this.cuts = [];
    await this.boot();
    return `reset ${this.scenario.name}: ${this.nodes.map((n) => `${n.name} ${n.state}`).join(', ')}`;
  }

  private cancelScheduled(): void {
    for (const timer of this.scheduled) clearTimeout(timer);
    this.scheduled.clear();
  }

  /** Runs a step of booting; a failure becomes a log line instead of stopping the rest. */
  private async attempt(step: () => Promise<string>): Promise<void> {
    try {
      await step();
    } catch (error) {
      this.stream.publish('supervisor', { type: 'log', level: 'error', text: (error as Error).message });
    }
  }

  private node(name: string): Node {
    const node = this.nodes.find((n) => n.name === name);
    if (!node) throw new Error(`no node named '${name}'; nodes are ${this.nodes.map((n) => n.name).join(', ')}`);
    return node;
  }

  /** A link end: a node's name, a dotted address (203.0.113.10 is the learner's terminal) or `*`. */
  private address(end: string): string {
    if (end === '*' || /^\d{1,3}(\.\d{1,3}){3}$/.test(end)) return end;
    const node = this.nodes.find((n) => n.name === end);
    if (!node)
      throw new Error(
        `no node named '${end}'; give a node (${this.nodes.map((n) => n.name).join(', ')}), an address like 203.0.113.10, or *`,
      );
    return node.spec.address;
  }

  private reloadable(): string {
    return (
      this.nodes
        .filter((n) => n.spec.reload)
        .map((n) => n.name)
        .join(', ') || 'none'
    );
  }

  private world(): World {
    return {
      events: this.stream.history(),
      now: this.stream.now(),
      nodes: this.nodes.map((n) => n.status()),
      cuts: this.cuts,
      file: (name) => {
        try {
          return readSessionFile(join(this.places.session, name));
        } catch {
          return undefined;
        }
      },
    };
  }
}
