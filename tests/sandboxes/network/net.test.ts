import http from 'node:http';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { announceVip, connect, listen, setAdmission, setLinkCut } from '../../../sandboxes/network/net';
import { ConnectionPool } from '../../../sandboxes/network/pool';

// One process plays several nodes by switching SANDBOX_ADDR, which net.ts reads at each call.
const as = (address: string) => (process.env.SANDBOX_ADDR = address);

// A request that should be answered gets seconds (a loaded machine is slow); one expected to go unanswered (a cut
// link, a dropped packet) is given up after BLACK_HOLE_MS.
const ANSWER_WITHIN_MS = 10_000;
const BLACK_HOLE_MS = 300;

function get(address: string, waitMs = ANSWER_WITHIN_MS): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ path: '/', createConnection: () => connect(address) }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    // A plain timer: ClientRequest.setTimeout only starts once the socket has connected.
    const timer = setTimeout(() => req.destroy(new Error('timeout')), waitMs);
    req.on('close', () => clearTimeout(timer));
    req.on('error', reject);
    req.end();
  });
}

describe('the sandbox network', () => {
  let folder: string;
  const servers: http.Server[] = [];
  const whoCalled = (name: string) =>
    http.createServer((req, res) =>
      res.end(`${name} saw ${req.socket.remoteAddress} at ${req.socket.localAddress}:${req.socket.localPort}`),
    );

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
    await expect(get('10.0.0.11:80', BLACK_HOLE_MS)).rejects.toThrow('timeout');
    expect((await get('10.0.0.12:80')).status).toBe(200);
    setLinkCut('10.0.0.2', '10.0.0.11', false);
    expect((await get('10.0.0.11:80')).status).toBe(200);
  });

  it('loses what is written on an open connection while its link is cut, and delivers again once it heals', async () => {
    as('10.0.0.11');
    const echo = net.createServer((socket) => socket.on('data', (chunk) => socket.write(chunk)));
    await listen(echo, ':7');
    as('10.0.0.2');
    const socket = connect('10.0.0.11:7');
    let received = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
    const echoed = (text: string) => vi.waitFor(() => expect(received).toContain(text), { timeout: 5000 });
    try {
      socket.write('before\n');
      await echoed('before\n');
      setLinkCut('10.0.0.2', '10.0.0.11', true);
      let sent = false;
      socket.write('during\n', () => (sent = true));
      setLinkCut('10.0.0.2', '10.0.0.11', false);
      socket.write('after\n');
      await echoed('after\n');
      // The writer was told it was sent, as a sender in a partition is; the other end never saw it.
      expect([sent, received]).toEqual([true, 'before\nafter\n']);
    } finally {
      socket.destroy();
      echo.close();
    }
  });

  it('fails a request at once on a kept-alive connection whose link was cut while it was idle', async () => {
    as('10.0.0.2');
    const pool = new ConnectionPool(() => connect('10.0.0.11:80'), { keepAlive: true });
    const viaPool = () =>
      new Promise<boolean>((resolve, reject) => {
        const req = http.request({ agent: pool, path: '/' }, (res) =>
          res.resume().on('end', () => resolve(req.reusedSocket)),
        );
        req.on('error', reject).end();
      });
    try {
      expect(await viaPool()).toBe(false);
      setLinkCut('10.0.0.2', '10.0.0.11', true);
      // No timer here: had anything been sent into the cut link, the request would hang and the test time out.
      await expect(viaPool()).rejects.toMatchObject({ code: 'ECONNRESET' });
      setLinkCut('10.0.0.2', '10.0.0.11', false);
      expect(await viaPool()).toBe(false); // the dead connection left the pool; a new one was opened
    } finally {
      setLinkCut('10.0.0.2', '10.0.0.11', false);
      pool.destroy();
    }
  });

  it('lets a firewall drop or reject by source address', async () => {
    as('10.0.0.2');
    setAdmission(({ source }) => (source.host === '10.0.0.2' ? 'drop' : 'accept'));
    await expect(get('10.0.0.11:80', BLACK_HOLE_MS)).rejects.toThrow('timeout');
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
