// The stack the TLS tests terminate TLS on: web-01 (10.0.0.11:80) behind lb-01 (10.0.0.2), both real processes,
// lb-01 given a haproxy.cfg and a crt file, and a client on the internet (203.0.113.10) with `get`.
import http from 'node:http';
import type net from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '../../../../sandboxes/network/net';
import type { Certificate } from '../../../../sandboxes/network/tls/pki';
import { secureConnect } from '../../../../sandboxes/network/tls/connection';
import { startNode, type SandboxNode } from '../../../support/sandbox-node';

export interface TlsFront {
  lb: SandboxNode;
  stop(): Promise<void>;
}

/** Starts web-01 and lb-01; `preload` writes, in the session folder, a module both load first (node --import). */
export async function startTlsFront(
  haproxyCfg: string,
  crt: string,
  preload?: (folder: string) => string,
): Promise<TlsFront> {
  const folder = mkdtempSync(join(tmpdir(), 'tls-lb-'));
  writeFileSync(join(folder, 'site.pem'), crt);
  writeFileSync(join(folder, 'haproxy.cfg'), haproxyCfg);
  const net = join(folder, 'net');
  const nodeOptions = process.env.NODE_OPTIONS;
  if (preload) process.env.NODE_OPTIONS = `${nodeOptions ?? ''} --import ${preload(folder)}`;
  const nodes: SandboxNode[] = [];
  try {
    nodes.push(
      startNode('web', ['--name', 'web-01', '--listen', ':80'], {
        cwd: folder,
        net,
        address: '10.0.0.11',
        name: 'web-01',
      }),
    );
    nodes.push(startNode('balancer', ['-f', 'haproxy.cfg'], { cwd: folder, net, address: '10.0.0.2', name: 'lb-01' }));
  } finally {
    if (nodeOptions === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = nodeOptions;
  }
  await nodes[1].waitFor((e) => e.type === 'balancer.listening', 15_000);
  process.env.SANDBOX_NET = net;
  process.env.SANDBOX_ADDR = '203.0.113.10';
  return {
    lb: nodes[1],
    async stop() {
      await Promise.all(nodes.map((n) => n.stop('SIGKILL')));
      delete process.env.SANDBOX_NET;
      delete process.env.SANDBOX_ADDR;
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** GET `path` from `address` as www.example.com, over the TLS model when `tls` (the certificates trusted) is given. */
export function get(
  address: string,
  tls?: Certificate[],
  path = '/',
): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders; raw: string[] }> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      {
        path,
        headers: { host: 'www.example.com' },
        createConnection: () =>
          (tls ? secureConnect(connect(address), 'www.example.com', tls) : connect(address)) as unknown as net.Socket,
      },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers, raw: res.rawHeaders }));
      },
    );
    req.on('error', reject);
  });
}
