// Loopback networking between processes: every node listens on 127.0.0.1 (port 0) and every other node, the
// balancer and the shell connect to it (WEBCONTAINER-COMPAT.md rows 14-16). Also a figure: how many HTTP round
// trips a second loopback allows, the ceiling under the `load` command and the balancer's health checks.
import http from 'node:http';
import net from 'node:net';
import type { Child } from './children';
import { fail, info, pass, type Check, type Scope } from './runner';

interface Ports {
  pid: number;
  tcp: number;
  http: number;
}

async function servers(scope: Scope): Promise<{ child: Child; ports: Ports }> {
  const child = scope.spawn('servers');
  return { child, ports: await child.hello<Ports>() };
}

function get(port: number, agent: http.Agent | false): Promise<{ status: number; body: string; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, reused: req.reusedSocket }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** Round trips a second over `ms`, one request at a time. */
async function rate(port: number, agent: http.Agent | false, ms: number): Promise<number> {
  let count = 0;
  const started = performance.now();
  while (performance.now() - started < ms) {
    await get(port, agent);
    count++;
  }
  return Math.round((count * 1000) / (performance.now() - started));
}

export const networkChecks: Check[] = [
  {
    id: 'loopback-tcp',
    title: 'TCP over loopback to a server in another process (127.0.0.1, port 0)',
    needed: true,
    async run(scope) {
      const { ports } = await servers(scope);
      const echoed = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(ports.tcp, '127.0.0.1', () => socket.end('ping\n'));
        socket.setNoDelay(true);
        let text = '';
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => (text += chunk));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
      if (echoed !== 'ping\n') return fail(`the echo server sent back ${JSON.stringify(echoed)} instead of "ping\\n"`);
      return pass(
        `connected to 127.0.0.1:${ports.tcp} in pid ${ports.pid}; the bytes came back and the connection closed cleanly`,
      );
    },
  },
  {
    id: 'loopback-http',
    title:
      'HTTP over loopback to a server in another process, on a keep-alive connection (the balancer to its servers)',
    needed: true,
    async run(scope) {
      const { ports } = await servers(scope);
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const first = await get(ports.http, agent);
        const second = await get(ports.http, agent);
        if (first.status !== 200 || first.body !== `served by ${ports.pid}`)
          return fail(`unexpected answer: HTTP ${first.status} ${JSON.stringify(first.body)}`);
        return pass(
          `HTTP 200 "${first.body}" from 127.0.0.1:${ports.http}; the second request ${second.reused ? 'reused the connection' : 'needed a new connection'}`,
        );
      } finally {
        agent.destroy();
      }
    },
  },
  {
    id: 'http-rate',
    title: 'Loopback HTTP round trips per second, one at a time',
    needed: false,
    timeoutMs: 15_000,
    async run(scope) {
      const { ports } = await servers(scope);
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const kept = await rate(ports.http, agent, 1000);
        const fresh = await rate(ports.http, false, 500);
        return info(
          `${kept} round trips/s on one keep-alive connection (1 s); ${fresh}/s with a new connection each (0.5 s)`,
          `${kept}/s`,
        );
      } finally {
        agent.destroy();
      }
    },
  },
  {
    id: 'fetch',
    title: 'Global fetch() to a loopback server (the programs use node:http instead)',
    needed: false,
    async run(scope) {
      if (typeof globalThis.fetch !== 'function') return fail('there is no global fetch');
      const { ports } = await servers(scope);
      const answer = await fetch(`http://127.0.0.1:${ports.http}/`, { signal: AbortSignal.timeout(3000) });
      const body = await answer.text();
      return answer.ok && body === `served by ${ports.pid}`
        ? pass(`HTTP ${answer.status} "${body}"`)
        : fail(`unexpected answer: HTTP ${answer.status} ${JSON.stringify(body)}`);
    },
  },
];
