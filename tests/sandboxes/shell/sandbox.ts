// A session folder wired to a sandbox network, as the supervisor leaves it: .sandbox/net/ and .sandbox/control.json.
// Tests play the nodes themselves (real HTTP servers on the sandbox network) where the real programs are not needed.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type net from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listen } from '../../../sandboxes/network/net';
import { spawnEnv } from '../../support/constraints';
import { dist } from '../../support/sandbox-node';
import { withShell, type ShellSession } from '../../support/terminal';

export class SandboxFolder {
  readonly folder = mkdtempSync(join(tmpdir(), 'shell-'));
  readonly net = join(this.folder, '.sandbox', 'net');
  private servers: net.Server[] = [];
  private nodes: ChildProcess[] = [];

  constructor() {
    mkdirSync(this.net, { recursive: true });
  }

  /** Writes control.json, as the supervisor does once the scenario is up. */
  announce(controlPort = 1): void {
    writeFileSync(
      join(this.folder, '.sandbox', 'control.json'),
      JSON.stringify({ port: controlPort, secret: 'not used here', net: this.net, client: '203.0.113.10' }),
    );
  }

  /** Runs an HTTP server as the node at `address` (e.g. "10.0.0.2:80") on the sandbox network. */
  serve(address: string, handler: http.RequestListener): Promise<http.Server> {
    return this.listen(address, http.createServer(handler));
  }

  /** Runs any server (e.g. a plain TCP one) as the node at `address`. */
  async listen<S extends net.Server>(address: string, server: S): Promise<S> {
    const previous = { net: process.env.SANDBOX_NET, addr: process.env.SANDBOX_ADDR };
    process.env.SANDBOX_NET = this.net;
    process.env.SANDBOX_ADDR = address.split(':')[0];
    try {
      await listen(server, address);
    } finally {
      process.env.SANDBOX_NET = previous.net;
      process.env.SANDBOX_ADDR = previous.addr;
      if (previous.net === undefined) delete process.env.SANDBOX_NET;
      if (previous.addr === undefined) delete process.env.SANDBOX_ADDR;
    }
    this.servers.push(server);
    return server;
  }

  /**
   * Runs a real sandbox program (sandboxes/dist/<program>.js) as the node at `address`, in the session folder, and
   * resolves once it listens on `port` there.
   */
  async run(program: string, address: string, port: number, args: string[]): Promise<ChildProcess> {
    const node = spawn(process.execPath, [join(dist, `${program}.js`), ...args], {
      cwd: this.folder,
      env: spawnEnv({ ...process.env, SANDBOX_NET: this.net, SANDBOX_ADDR: address, SANDBOX_EVENTS: undefined }),
      stdio: ['pipe', 'ignore', 'inherit'],
    });
    this.nodes.push(node);
    const deadline = Date.now() + 20_000;
    while (!existsSync(join(this.net, 'ports', `${address}_${port}`))) {
      if (node.exitCode !== null) throw new Error(`${program} exited with code ${node.exitCode}`);
      if (Date.now() > deadline) throw new Error(`${program} did not listen on ${address}:${port} in time`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return node;
  }

  async remove(): Promise<void> {
    for (const node of this.nodes) {
      if (node.exitCode === null && node.signalCode === null) {
        const exited = new Promise((resolve) => node.once('exit', resolve));
        node.kill('SIGKILL');
        await exited;
      }
    }
    for (const server of this.servers) {
      if (server instanceof http.Server) server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    rmSync(this.folder, { recursive: true, force: true });
  }
}

/**
 * A sandbox folder set up by `setUp` (servers as nodes, files), announced as a running scenario, with a learner's shell
 * in it, for the tests of one describe block; both go away after the last test.
 */
export function sandboxWithShell(setUp: (sandbox: SandboxFolder) => Promise<void>): {
  readonly sandbox: SandboxFolder;
  readonly shell: ShellSession;
} {
  const sandbox = new SandboxFolder();
  const start = async () => {
    await setUp(sandbox);
    sandbox.announce();
  };
  const lab = withShell({ folder: sandbox.folder, start, stop: () => sandbox.remove() });
  return {
    sandbox,
    get shell() {
      return lab.shell;
    },
  };
}
