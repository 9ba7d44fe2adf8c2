// Helpers for running the real balancer bundle against plain HTTP backends on loopback ports.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NodeEvent } from '../../../sandboxes/contracts/events/index';
import { freePort } from '../../support/ports';
import { startNode, type SandboxNode } from '../../support/sandbox-node';

/** A backend that answers with its name (body and x-served-by), and can be killed and started again on its port. */
export interface Backend {
  name: string;
  port: number;
  hits: number;
  /** Stops listening, as a killed process would: new connections are refused. */
  kill(): Promise<void>;
  start(): Promise<void>;
}

export async function startBackend(name: string, handler?: http.RequestListener): Promise<Backend> {
  const port = await freePort();
  let server: http.Server | undefined;
  const backend: Backend = {
    name,
    port,
    hits: 0,
    async start() {
      server = http.createServer((req, res) => {
        backend.hits++;
        if (handler) return handler(req, res);
        res.setHeader('x-served-by', name);
        res.end(`${name}\n`);
      });
      await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    },
    async kill() {
      const closing = server;
      server = undefined;
      if (!closing) return;
      // Idle kept-alive connections are closed at once; busy ones after their answer (the process "dies between
      // requests"), so the test is about new connections being refused, not about an answer cut in half.
      await new Promise<void>((resolve) => {
        closing.close(() => resolve());
        closing.closeIdleConnections();
      });
    },
  };
  await backend.start();
  return backend;
}

export interface Balancer {
  child: ChildProcess;
  folder: string;
  events: NodeEvent[];
  stderr(): string;
  logs(): string[];
  /** The first event from index `from` on (already seen or still to come) that matches. */
  waitFor: SandboxNode['next'];
  writeConfig(text: string): void;
  stop(): Promise<void>;
}

/** Starts `balancer.js -f haproxy.cfg` in a fresh folder with the given config, reporting events as JSON lines. */
export async function startBalancer(
  config: string,
  readyWhen: (e: NodeEvent) => boolean = (e) => e.type === 'balancer.listening',
  /** SANDBOX_NET and SANDBOX_ADDR to run it inside a sandbox network; by default it runs as in a plain terminal. */
  network: { SANDBOX_NET: string; SANDBOX_ADDR: string } | undefined = undefined,
): Promise<Balancer> {
  const folder = mkdtempSync(join(tmpdir(), 'balancer-'));
  writeFileSync(join(folder, 'haproxy.cfg'), config);
  // stdin stays open: under SANDBOX_EVENTS the balancer exits when it closes (its supervisor is gone).
  const node = startNode('balancer', ['-f', 'haproxy.cfg'], {
    cwd: folder,
    net: network?.SANDBOX_NET,
    address: network?.SANDBOX_ADDR,
  });
  const balancer: Balancer = {
    child: node.child,
    folder,
    events: node.events,
    stderr: node.stderr,
    logs: () => node.events.flatMap((e) => (e.type === 'log' ? [e.text] : [])),
    waitFor: node.next,
    writeConfig: (text) => writeFileSync(join(folder, 'haproxy.cfg'), text),
    async stop() {
      await node.stop('SIGKILL');
      rmSync(folder, { recursive: true, force: true });
    },
  };
  await balancer.waitFor(readyWhen).catch(async (error) => {
    await balancer.stop();
    throw error;
  });
  return balancer;
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One GET on a fresh connection. */
export function get(port: number, path = '/', headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
  });
}

/** Sends raw bytes and returns everything the balancer writes until it closes the connection (or `waitMs` passes). */
export function raw(port: number, text: string, waitMs = 3000): Promise<{ data: string; closed: boolean; ms: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ data, closed: false, ms: Date.now() - started });
    }, waitMs);
    socket.on('data', (c) => (data += c.toString('latin1')));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ data, closed: true, ms: Date.now() - started });
    });
    socket.on('error', () => undefined);
  });
}

/** Sends one command line to the runtime API and returns the whole answer. */
export function runtime(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(command + '\n'));
    let data = '';
    socket.on('data', (c) => (data += c));
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
  });
}

/** A config in the shape lessons use: logs on, httplog, explicit timeouts, one frontend, one backend. */
export function haproxyCfg(o: {
  port: number;
  backend: string[];
  servers: string[];
  defaults?: string[];
  global?: string[];
  frontend?: string[];
}): string {
  return [
    'global',
    '    log stdout format raw local0 info',
    ...(o.global ?? []).map((l) => `    ${l}`),
    '',
    'defaults',
    '    log     global',
    '    mode    http',
    '    option  httplog',
    ...(o.defaults ?? ['timeout connect 5s', 'timeout client 30s', 'timeout server 30s']).map((l) => `    ${l}`),
    '',
    'frontend fe_web',
    `    bind 127.0.0.1:${o.port}`,
    ...(o.frontend ?? []).map((l) => `    ${l}`),
    '    default_backend be_app',
    '',
    'backend be_app',
    ...o.backend.map((l) => `    ${l}`),
    ...o.servers.map((l) => `    ${l}`),
    '',
  ].join('\n');
}

export const isRequest = (e: NodeEvent): e is Extract<NodeEvent, { type: 'balancer.request' }> =>
  e.type === 'balancer.request';
export const isServer = (e: NodeEvent): e is Extract<NodeEvent, { type: 'balancer.server' }> =>
  e.type === 'balancer.server';

export { freePort };
