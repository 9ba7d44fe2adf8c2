// TLS termination at the balancer (`bind :443 ssl crt site.pem`): the real balancer and web server as processes; a
// client on the internet speaks the TLS model to lb-01:443 and gets the page, while :80 stays plain HTTP.
import http from 'node:http';
import type net from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../../sandboxes/shared/net';
import { issue, type Certificate } from '../../../sandboxes/tls/pki';
import { secureConnect } from '../../../sandboxes/tls/session';
import { startNode, type SandboxNode } from '../../support/sandbox-node';

const HAPROXY = `defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend fe_web
    bind :80
    bind :443 ssl crt site.pem
    default_backend be_app

backend be_app
    server web-01 10.0.0.11:80
`;

function get(address: string, tls?: Certificate[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { path: '/', headers: { host: 'www.example.com' }, createConnection: () => (tls ? secureConnect(connect(address), 'www.example.com', tls) : connect(address)) as unknown as net.Socket },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
  });
}

describe('TLS termination at the balancer', () => {
  let folder: string;
  const nodes: SandboxNode[] = [];
  let trusted: Certificate[];

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'tls-lb-'));
    const ca = await issue('Sandbox Root CA', 'self');
    const site = await issue('www.example.com', { name: 'Sandbox Root CA', key: ca.key });
    trusted = [ca.certificate];
    writeFileSync(join(folder, 'site.pem'), site.pem + site.keyPem);
    writeFileSync(join(folder, 'haproxy.cfg'), HAPROXY);
    const net = join(folder, 'net');
    nodes.push(startNode('web', ['--name', 'web-01', '--listen', ':80'], { cwd: folder, net, address: '10.0.0.11', name: 'web-01' }));
    const lb = startNode('balancer', ['-f', 'haproxy.cfg'], { cwd: folder, net, address: '10.0.0.2', name: 'lb-01' });
    nodes.push(lb);
    await lb.waitFor((e) => e.type === 'balancer.listening', 15_000);
    process.env.SANDBOX_NET = net;
    process.env.SANDBOX_ADDR = '203.0.113.10';
  }, 30_000);
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop('SIGKILL')));
    delete process.env.SANDBOX_NET;
    delete process.env.SANDBOX_ADDR;
    rmSync(folder, { recursive: true, force: true });
  });

  it('serves the site over the TLS model on :443 and over plain HTTP on :80', async () => {
    const secure = await get('10.0.0.2:443', trusted);
    expect(secure.status).toBe(200);
    expect(secure.body).toContain('web-01');
    expect((await get('10.0.0.2:80')).status).toBe(200);
  });

  it('a client that does not trust the certificate refuses the connection', async () => {
    const other = await issue('Another CA', 'self');
    await expect(get('10.0.0.2:443', [other.certificate])).rejects.toThrow('SSL certificate problem: unable to get local issuer certificate');
  });
});
