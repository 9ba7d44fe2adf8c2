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
    process.stdout.write(JSON.stringify({ cwd: process.cwd(), columns: process.env.COLUMNS, lines: process.env.LINES, mode: process.env.SANDBOX_MODE, path: process.env.PATH ? 'set' : 'unset' }) + '\\n');
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

export async function startBridge(): Promise<TestBridge> {
  const bundles = mkdtempSync(join(tmpdir(), 'bridge-bundles-'));
  writeFileSync(join(bundles, 'package.json'), '{ "type": "module" }\n');
  for (const [name, source] of Object.entries(FIXTURES)) writeFileSync(join(bundles, name), source);
  const bridge = new Bridge({ bundles });
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
      rmSync(bundles, { recursive: true, force: true });
    },
  };
}

export interface Attempt {
  token?: string;
  origin?: string;
  host?: string;
}

/** Tries to open a bridge session; resolves with the HTTP status and text of a refusal, or with a connected client. */
export function open(target: TestBridge, attempt: Attempt = {}): Promise<{ refused: { status: number; reason: string } } | { client: Client }> {
  const token = 'token' in attempt ? attempt.token : target.bridge.token;
  const url = `ws://127.0.0.1:${target.port}${BRIDGE_PATH}${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`;
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

export async function connect(target: TestBridge): Promise<Client> {
  const result = await open(target);
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
        reject(new Error(`no matching reply within ${timeoutMs} ms; got ${JSON.stringify(this.replies).slice(0, 500)}`));
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

/** True while a process with that pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
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
