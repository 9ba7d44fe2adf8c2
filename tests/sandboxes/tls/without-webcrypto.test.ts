// The TLS model runs on the noble libraries alone, as it must in a WebContainer, where WebCrypto is Node's webcrypto
// over emulated bindings with known gaps (WEBCONTAINER-COMPAT.md row 18): the real balancer terminates TLS with the
// lessons' shipped certificate, and a client completes the handshake, in processes where touching `crypto.subtle`
// is an error.
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import type net from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CA_PEM, SITE_PEM } from '../../../sandboxes/scenarios/certificates';
import { connect } from '../../../sandboxes/shared/net';
import { readTrust, type Certificate } from '../../../sandboxes/tls/pki';
import { secureConnect } from '../../../sandboxes/tls/session';
import { startNode, type SandboxNode } from '../../support/sandbox-node';

const HAPROXY = `defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend fe_web
    bind :443 ssl crt site.pem
    default_backend be_app

backend be_app
    server web-01 10.0.0.11:80
`;

const NO_SUBTLE = "Object.defineProperty(globalThis.crypto, 'subtle', { get() { throw new Error('crypto.subtle touched'); } });\n";

/** Runs `body` with `crypto.subtle` unavailable in this process, as in a runtime without WebCrypto. */
async function withoutSubtle<T>(body: () => Promise<T>): Promise<T> {
  Object.defineProperty(globalThis.crypto, 'subtle', { configurable: true, get: () => { throw new Error('crypto.subtle touched'); } });
  try {
    return await body();
  } finally {
    delete (globalThis.crypto as { subtle?: unknown }).subtle; // the prototype's getter again
  }
}

function get(address: string, trusted: Certificate[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ path: '/', headers: { host: 'www.example.com' }, createConnection: () => secureConnect(connect(address), 'www.example.com', trusted) as unknown as net.Socket }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

describe('the TLS model without WebCrypto', () => {
  let folder: string;
  let preload: string;
  const nodes: SandboxNode[] = [];

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'tls-nosubtle-'));
    preload = join(folder, 'no-subtle.mjs');
    writeFileSync(preload, NO_SUBTLE);
    writeFileSync(join(folder, 'site.pem'), SITE_PEM);
    writeFileSync(join(folder, 'haproxy.cfg'), HAPROXY);
    const net = join(folder, 'net');
    const nodeOptions = process.env.NODE_OPTIONS;
    process.env.NODE_OPTIONS = `${nodeOptions ?? ''} --import ${preload}`;
    try {
      nodes.push(startNode('web', ['--name', 'web-01', '--listen', ':80'], { cwd: folder, net, address: '10.0.0.11', name: 'web-01' }));
      nodes.push(startNode('balancer', ['-f', 'haproxy.cfg'], { cwd: folder, net, address: '10.0.0.2', name: 'lb-01' }));
    } finally {
      if (nodeOptions === undefined) delete process.env.NODE_OPTIONS;
      else process.env.NODE_OPTIONS = nodeOptions;
    }
    await nodes[1].waitFor((e) => e.type === 'balancer.listening', 15_000);
    process.env.SANDBOX_NET = net;
    process.env.SANDBOX_ADDR = '203.0.113.10';
  }, 30_000);
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop('SIGKILL')));
    delete process.env.SANDBOX_NET;
    delete process.env.SANDBOX_ADDR;
    rmSync(folder, { recursive: true, force: true });
  });

  it('a process with the preload cannot use crypto.subtle', () => {
    const probe = spawnSync(process.execPath, ['--import', preload, '-e', 'crypto.subtle.digest'], { encoding: 'utf8' });
    expect(probe.status).not.toBe(0);
    expect(probe.stderr).toContain('crypto.subtle touched');
  });

  it("the balancer loads the lessons' crt file and serves HTTPS, and the client checks the chain, with no crypto.subtle anywhere", async () => {
    const page = await withoutSubtle(() => get('10.0.0.2:443', readTrust(CA_PEM)));
    expect(page.status).toBe(200);
    expect(page.body).toContain('web-01');
    await nodes[1].waitFor((e) => e.type === 'balancer.request' && e.tls === true && e.status === 200);
    expect(nodes[1].stderr()).not.toContain('crypto.subtle touched');
  });
});
