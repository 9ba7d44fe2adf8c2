import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { announceVip, connect, listen, setAdmission, setLinkCut } from '../../../sandboxes/network/net';

// One process plays several nodes by switching SANDBOX_ADDR, which net.ts reads at each call.
const as = (address: string) => (process.env.SANDBOX_ADDR = address);

function get(address: string, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ path, createConnection: () => connect(address) }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    // A plain timer: ClientRequest.setTimeout only starts once the socket has connected.
    const timer = setTimeout(() => req.destroy(new Error('timeout')), 300);
    req.on('close', () => clearTimeout(timer));
    req.on('error', reject);
    req.end();
  });
}

describe('the sandbox network', () => {
  let folder: string;
  const servers: http.Server[] = [];
  const whoCalled = (name: string) =>
    http.createServer((req, res) => res.end(`${name} saw ${req.socket.remoteAddress} at ${req.socket.localAddress}:${req.socket.localPort}`));

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'net-'));
    process.env.SANDBOX_NET = folder;
    as('10.0.0.11');
    servers.push(whoCalled('web-01'));
    await listen(servers[0], ':80');
    as('10.0.0.12');
    servers.push(whoCalled('web-02'));
    await listen(servers[1], '10.0.0.12:80');
  });
  afterEach(() => setAdmission(() => 'accept'));
  afterAll(() => {
    servers.forEach((s) => s.close());
    delete process.env.SANDBOX_NET;
    delete process.env.SANDBOX_ADDR;
    rmSync(folder, { recursive: true, force: true });
  });

  it('delivers a connection to the node that owns the virtual address, with the caller address intact', async () => {
    as('10.0.0.2');
    expect(await get('10.0.0.11:80')).toMatchObject({ status: 200, body: 'web-01 saw 10.0.0.2 at 10.0.0.11:80' });
    expect((await get('10.0.0.12:80')).body).toBe('web-02 saw 10.0.0.2 at 10.0.0.12:80');
  });

  it('refuses a connection to a port nobody listens on, as a host with a closed port does', async () => {
    as('10.0.0.2');
    await expect(get('10.0.0.11:8080')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('names the dialled address, not a loopback port, when the node that listened there is gone', async () => {
    as('10.0.0.13');
    const gone = whoCalled('web-03');
    await listen(gone, ':80');
    await new Promise((resolve) => gone.close(resolve)); // as after a kill: its port entry is still there
    as('10.0.0.2');
    await expect(get('10.0.0.13:80')).rejects.toMatchObject({
      code: 'ECONNREFUSED',
      message: 'connect ECONNREFUSED 10.0.0.13:80',
      address: '10.0.0.13',
      port: 80,
    });
  });

  it('refuses to listen on an address the node does not have', async () => {
    as('10.0.0.11');
    await expect(listen(http.createServer(), '10.0.0.99:80')).rejects.toMatchObject({ code: 'EADDRNOTAVAIL' });
  });

  it('never answers across a cut link, so only a timeout ends the attempt', async () => {
    as('10.0.0.2');
    setLinkCut('10.0.0.2', '10.0.0.11', true);
    await expect(get('10.0.0.11:80')).rejects.toThrow('timeout');
    expect((await get('10.0.0.12:80')).status).toBe(200);
    setLinkCut('10.0.0.2', '10.0.0.11', false);
    expect((await get('10.0.0.11:80')).status).toBe(200);
  });

  it('lets a firewall drop or reject by source address', async () => {
    as('10.0.0.2');
    setAdmission(({ source }) => (source.host === '10.0.0.2' ? 'drop' : 'accept'));
    await expect(get('10.0.0.11:80')).rejects.toThrow('timeout');
    setAdmission(() => 'reject');
    await expect(get('10.0.0.11:80')).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  it('sends traffic for a virtual IP to whichever node announced it last', async () => {
    as('10.0.0.2');
    announceVip('10.0.0.10', '10.0.0.11');
    expect((await get('10.0.0.10:80')).body).toMatch(/^web-01/);
    announceVip('10.0.0.10', '10.0.0.12');
    expect((await get('10.0.0.10:80')).body).toMatch(/^web-02/);
    announceVip('10.0.0.10', undefined);
    await expect(get('10.0.0.10:80')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
