// A real bridge on a loopback port, and a client that speaks its protocol, for the bridge's tests.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { Bridge } from '../../src/runtime/local/bridge.ts';
import { BRIDGE_PATH } from '../../src/runtime/local/endpoints.ts';
import type { Ask, Reply, Request } from '../../src/runtime/local/protocol.ts';
import { freePort } from '../support/ports';

/** Small programs that make the bridge's behaviour visible, standing in for sandboxes/dist in these tests. */
export const FIXTURES: Record<string, string> = {
  // Echoes its stdin back as JSON (so escape sequences are visible) and reports its environment and folder.
  'echo.js': `
    const { COLUMNS: columns, LINES: lines, NO_COLOR: noColor, SANDBOX_ROOT: root, SANDBOX_NET: net } = process.env;
    process.stdout.write(JSON.stringify({ cwd: process.cwd(), program: process.argv[1], columns, lines, noColor, root, net, path: process.env.PATH ? 'set' : 'unset' }) + '\\n');
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (d) => process.stdout.write(JSON.stringify({ input: d }) + '\\n'));
    process.stdin.on('end', () => process.exit(0));
  `,
  // Plants symbolic links that point out of the session folder, as a compromised program might.
  'linker.js': `
    import { symlinkSync } from 'node:fs';
    symlinkSync('/', 'outside');
    symlinkSync('/tmp/bridge-symlink-target.txt', 'file-link');
    process.stdout.write(JSON.stringify({ linked: true }) + '\\n');
  `,
  // Observes the limits of the constrained mode from inside: /proc, datasync, fetch, a signal sent to itself, and
  // what it writes to stdout and stderr.
  'limits.js': `
    import { existsSync, readFileSync } from 'node:fs';
    import { open, readFile } from 'node:fs/promises';
    const seen = { fetch: typeof fetch, procExists: existsSync('/proc/self/stat'), handled: [] };
    try { readFileSync('/proc/self/status'); seen.procRead = 'read'; } catch (error) { seen.procRead = error.code; }
    seen.procReadAsync = await readFile('/proc/self/stat').then(() => 'read', (error) => error.code);
    const file = await open('datasync.txt', 'w');
    seen.datasync = await file.datasync().then(() => 'synced', (error) => error.message);
    seen.sync = await file.sync().then(() => 'synced', (error) => error.message);
    await file.close();
    for (const signal of ['SIGTERM', 'SIGHUP', 'SIGUSR2', 'SIGINT']) {
      process.on(signal, () => seen.handled.push(signal));
      process.kill(process.pid, signal);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    process.stderr.write('to stderr\\n');
    process.stdout.write(JSON.stringify(seen) + '\\n');
  `,
  // Starts a child with handlers for the usual signals, sends it each of them, then SIGKILL; reports what happened.
  'signals.js': `
    import { spawn } from 'node:child_process';
    const child = spawn(process.execPath, ['-e', \`
      for (const s of ['SIGTERM', 'SIGHUP', 'SIGUSR2', 'SIGINT']) process.on(s, () => console.log('handled ' + s));
      console.log('listening');
      setInterval(() => {}, 1000);
    \`], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    await new Promise((resolve) => child.stdout.once('data', resolve));
    for (const signal of ['SIGTERM', 'SIGHUP', 'SIGUSR2', 'SIGINT', 'SIGSTOP']) child.kill(signal);
    process.kill(child.pid, 'SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const report = { aliveAfterSignals: child.exitCode === null && child.signalCode === null, outputAfterSignals: out };
    child.kill('SIGKILL');
    const [code, signal] = await new Promise((resolve) => child.once('exit', (...end) => resolve(end)));
    process.stdout.write(JSON.stringify({ ...report, code, signal }) + '\\n');
  `,
  // Starts a child that is busy in a hot loop for 1.5 s, SIGKILLs it at once, and reports how long it took to end.
  'busy.js': `
    import { spawn } from 'node:child_process';
    const child = spawn(process.execPath, ['-e', "console.log('busy'); const end = Date.now() + 1500; while (Date.now() < end); setInterval(() => {}, 1000)"], { stdio: ['pipe', 'pipe', 'inherit'] });
    await new Promise((resolve) => child.stdout.once('data', resolve));
    const killedAt = Date.now();
    child.kill('SIGKILL');
    const [code, signal] = await new Promise((resolve) => child.once('exit', (...end) => resolve(end)));
    process.stdout.write(JSON.stringify({ waitedMs: Date.now() - killedAt, code, signal }) + '\\n');
  `,
  // Busy in a hot loop for ever, and so is its child: only a real SIGKILL ends them.
  'spinner.js': `
    import { spawn } from 'node:child_process';
    const child = spawn(process.execPath, ['-e', 'for (;;);'], { stdio: 'ignore' });
    process.stdout.write(JSON.stringify({ pids: [process.pid, child.pid] }) + '\\n', () => { for (;;); });
  `,
  // Counts the characters it reads until a line with only 'END', as a shell reads a paste.
  'count.js': `
    let received = 0;
    let tail = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (d) => {
      received += d.length;
      tail = (tail + d).slice(-16);
      if (tail.endsWith('\\nEND\\n')) process.stdout.write(JSON.stringify({ received: received - 4, last: tail.slice(-10, -4) }) + '\\n');
    });
  `,
  // Starts as many idle children as its argument says (a supervisor and its nodes), printing each pid as it goes
  // (its own first), and waits forever.
  'swarm.js': `
    import { spawn } from 'node:child_process';
    process.stdout.write(JSON.stringify({ pid: process.pid }) + '\\n');
    for (let i = 0; i < Number(process.argv[2]); i++) {
      const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      process.stdout.write(JSON.stringify({ pid: child.pid }) + '\\n');
    }
    setInterval(() => {}, 1000);
  `,
  // Leaves its process group and its parent: a detached child (setsid) starts a grandchild and exits at once, so the
  // grandchild is nobody's descendant any more. Prints the grandchild's pid.
  'escape.js': `
    import { spawn } from 'node:child_process';
    const middle = spawn(process.execPath, ['-e', \`
      const { spawn } = require('node:child_process');
      const last = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { detached: true, stdio: 'ignore' });
      process.stdout.write(String(last.pid));
      process.exit(0);
    \`], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    let pid = '';
    middle.stdout.on('data', (d) => (pid += d));
    middle.on('exit', () => process.stdout.write(JSON.stringify({ escaped: Number(pid) }) + '\\n'));
    setInterval(() => {}, 1000);
  `,
  // Fills its folder: 'files N' small files, or 'bytes N' megabytes in one file.
  'filler.js': `
    import { writeFileSync } from 'node:fs';
    const [what, n] = [process.argv[2], Number(process.argv[3])];
    if (what === 'files') for (let i = 0; i < n; i++) writeFileSync('f' + i, 'x');
    else writeFileSync('big', Buffer.alloc(n * 1024 * 1024));
    process.stdout.write(JSON.stringify({ filled: true }) + '\\n');
    setInterval(() => {}, 1000);
  `,
  // Swaps 'target' between a regular file and a symbolic link to the file named in its argument, as fast as it can.
  'swapper.js': `
    import { renameSync, symlinkSync, writeFileSync } from 'node:fs';
    const outside = process.argv[2];
    process.stdout.write(JSON.stringify({ swapping: true }) + '\\n');
    for (let i = 0; ; i++) {
      if (i % 2) symlinkSync(outside, 'next'); else writeFileSync('next', 'inside');
      renameSync('next', 'target');
      if (i % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  `,
  // Makes a hard link to the file named in its argument.
  'hardlinker.js': `
    import { linkSync } from 'node:fs';
    linkSync(process.argv[2], 'hard');
    process.stdout.write(JSON.stringify({ linked: true }) + '\\n');
  `,
  // Starts a child of its own (as the supervisor starts nodes), prints both pids, and waits forever.
  'family.js': `
    import { spawn } from 'node:child_process';
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    process.stdout.write(JSON.stringify({ pids: [process.pid, child.pid] }) + '\\n');
    setInterval(() => {}, 1000);
  `,
};

export interface TestBridge {
  bridge: Bridge;
  port: number;
  origin: string;
  bundles: string;
  close(): Promise<void>;
}

/** A bridge on the FIXTURES, or on `bundles` (the real sandboxes/dist, say); `openAhead` as `npm start` opens it. */
export async function startBridge(options: { bundles?: string; openAhead?: boolean } = {}): Promise<TestBridge> {
  const fixtures = !options.bundles;
  const bundles = options.bundles ?? mkdtempSync(join(tmpdir(), 'bridge-bundles-'));
  if (fixtures) {
    writeFileSync(join(bundles, 'package.json'), '{ "type": "module" }\n');
    for (const [name, source] of Object.entries(FIXTURES)) writeFileSync(join(bundles, name), source);
  }
  const bridge = new Bridge({ bundles, openAhead: options.openAhead });
  const server: Server = createServer((req, res) => {
    if (!bridge.handleRequest(req, res)) res.writeHead(404).end();
  });
  server.on('upgrade', (req, socket, head) => {
    if (!bridge.handleUpgrade(req, socket, head)) socket.destroy();
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    bridge,
    port,
    origin: `http://localhost:${port}`,
    bundles,
    close: async () => {
      await bridge.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      if (fixtures) rmSync(bundles, { recursive: true, force: true });
    },
  };
}

export interface Attempt {
  token?: string;
  /** `?constraints=` on the socket's URL, as the page adds it. */
  constraints?: string;
  origin?: string;
  host?: string;
}

/** Tries to open a bridge session; resolves with the HTTP status and text of a refusal, or with a connected client. */
export function open(
  target: TestBridge,
  attempt: Attempt = {},
): Promise<{ refused: { status: number; reason: string } } | { client: Client }> {
  const token = 'token' in attempt ? attempt.token : target.bridge.token;
  const query = new URLSearchParams({
    ...(token === undefined ? {} : { token }),
    ...(attempt.constraints ? { constraints: attempt.constraints } : {}),
  });
  const url = `ws://127.0.0.1:${target.port}${BRIDGE_PATH}?${query}`;
  const host = attempt.host ?? `localhost:${target.port}`;
  const ws = new WebSocket(url, { origin: 'origin' in attempt ? attempt.origin : `http://${host}`, headers: { host } });
  return new Promise((resolve, reject) => {
    ws.on('unexpected-response', (_req, res) => {
      let reason = '';
      res.on('data', (chunk: Buffer) => (reason += chunk));
      res.on('end', () => resolve({ refused: { status: res.statusCode ?? 0, reason } }));
    });
    ws.on('error', reject);
    ws.on('message', function first(raw) {
      const reply = JSON.parse(raw.toString()) as Reply;
      if (reply.type === 'ready') {
        ws.off('message', first);
        resolve({ client: new Client(ws, reply.programs) });
      }
    });
  });
}

export async function connect(target: TestBridge, attempt: Attempt = {}): Promise<Client> {
  const result = await open(target, attempt);
  if ('refused' in result) throw new Error(`refused: ${result.refused.reason}`);
  return result.client;
}

/** Records everything the bridge sends and lets a test wait for a reply. */
export class Client {
  readonly replies: Reply[] = [];
  private readonly listeners = new Set<() => void>();
  private nextId = 1;

  constructor(
    readonly ws: WebSocket,
    readonly programs: string[],
  ) {
    ws.on('message', (raw) => {
      this.replies.push(JSON.parse(raw.toString()) as Reply);
      for (const listener of this.listeners) listener();
    });
  }

  /** Sends a request with a new id, or with the id of the process it is about (input, resize, kill). */
  send(message: Ask | Request): number {
    const id = 'id' in message ? message.id : this.nextId++;
    this.ws.send(JSON.stringify({ ...message, id }));
    return id;
  }

  /** Waits for the first reply that matches. */
  waitFor(match: (reply: Reply) => boolean, timeoutMs = 10_000): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.replies.find(match);
        if (!found) return false;
        this.listeners.delete(check);
        clearTimeout(timer);
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(
          new Error(`no matching reply within ${timeoutMs} ms; got ${JSON.stringify(this.replies).slice(0, 500)}`),
        );
      }, timeoutMs);
      if (!check()) this.listeners.add(check);
    });
  }

  /** All output of process `id` so far, as one string. */
  output(id: number): string {
    return this.replies.map((r) => (r.type === 'output' && r.id === id ? r.data : '')).join('');
  }

  async outputLine<T>(id: number, test: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
    const parse = () =>
      this.output(id)
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as T)
        .find(test);
    await this.waitFor(() => parse() !== undefined, timeoutMs);
    return parse()!;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}

export async function until(condition: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return condition();
}
