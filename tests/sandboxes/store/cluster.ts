// Runs store nodes as real processes (the bundle in sandboxes/dist) in a temporary session folder, with their
// events parsed, so tests can wait for what a node reports.
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../support/ports';
import type { NodeEvent } from '../../../sandboxes/contracts/events/index';
import { startNode, type SandboxNode } from '../../support/sandbox-node';

export interface Running extends SandboxNode {
  name: string;
  address: string;
}

/** Sandbox addresses by node name, as the scenarios give them (DESIGN: db-01 is 10.0.0.21, mon-01 10.0.0.31). */
const ADDRESSES: Record<string, string> = {
  'db-01': '10.0.0.21',
  'db-02': '10.0.0.22',
  'db-03': '10.0.0.23',
  'mon-01': '10.0.0.31',
};

export class Cluster {
  readonly dir = mkdtempSync(join(tmpdir(), 'store-'));
  readonly nodes = new Map<string, Running>();
  private ports = new Map<string, number>();
  /** With `network`, nodes run on the sandbox network (sandboxes/network/net.ts) at their virtual addresses. */
  readonly net?: string;

  constructor(options: { network?: boolean } = {}) {
    if (options.network) this.net = join(this.dir, '.sandbox/net');
  }

  /** Starts `store <args>` as node `name`; resolves once it reports store.ready (or, for a monitor, at once). */
  async start(
    name: string,
    args: string[],
    options: { ready?: boolean; env?: Record<string, string> } = {},
  ): Promise<Running> {
    const node = startNode('store', args, {
      cwd: this.dir,
      name,
      net: this.net,
      address: ADDRESSES[name],
      env: options.env,
    });
    const running: Running = { ...node, name, address: this.ports.has(name) ? await this.address(name) : '' };
    this.nodes.set(name, running);
    if (options.ready !== false) await this.waitFor(name, (e) => e.type === 'store.ready');
    return running;
  }

  /** A fixed loopback port per node name, so a node keeps its address across restarts. */
  async port(name: string): Promise<number> {
    if (this.net) return 5432;
    if (!this.ports.has(name)) this.ports.set(name, await freePort());
    return this.ports.get(name)!;
  }

  async address(name: string): Promise<string> {
    return `${this.net ? ADDRESSES[name] : '127.0.0.1'}:${await this.port(name)}`;
  }

  async primary(name: string, extra: string[] = []): Promise<Running> {
    return this.start(name, ['primary', '--listen', `:${await this.port(name)}`, '--name', name, ...extra]);
  }

  async standby(name: string, primary: string, extra: string[] = []): Promise<Running> {
    return this.start(name, [
      'standby',
      '--listen',
      `:${await this.port(name)}`,
      '--name',
      name,
      '--primary',
      await this.address(primary),
      ...extra,
    ]);
  }

  /** Restarts a node with the arguments it had (its data directory decides its role). */
  async restart(name: string): Promise<Running> {
    const old = this.nodes.get(name)!;
    const args = old.child.spawnargs.slice(2);
    return this.start(name, args);
  }

  events(name: string): NodeEvent[] {
    return this.nodes.get(name)?.events ?? [];
  }

  logs(name: string): string[] {
    return this.events(name).flatMap((e) => (e.type === 'log' ? [e.text] : []));
  }

  /** Resolves with the first event of `name` (as it runs now) matching `test`, past or future; rejects after `timeoutMs`. */
  waitFor(name: string, test: (event: NodeEvent) => boolean, timeoutMs = 20_000): Promise<NodeEvent> {
    return this.nodes.get(name)!.next(test, timeoutMs);
  }

  kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    return this.nodes.get(name)!.stop(signal);
  }

  /** Kills every node and removes the session folder, unless `keep` (to look at what went wrong). */
  async stopAll(keep = false): Promise<void> {
    await Promise.all([...this.nodes.keys()].map((name) => this.kill(name)));
    if (!keep) rmSync(this.dir, { recursive: true, force: true });
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends raw lines and collects the replies, to see what a hand-written client gets back. */
export function raw(address: string, lines: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const [host, port] = address.split(':');
    const socket = net.connect(Number(port), host);
    let out = '';
    socket.on('data', (chunk) => {
      out += chunk;
      if (out.split('\n').length > lines.length) {
        socket.end();
        resolve(out.trim().split('\n'));
      }
    });
    socket.on('error', reject);
    socket.write(lines.join('\n') + '\n');
  });
}
