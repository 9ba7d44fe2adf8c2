// The balancer inside the sandbox network (sandboxes/network/net.ts), as the supervisor runs it: virtual addresses in
// its config and logs, the client's address carried across the hop, and cut links that time out.
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, listen, setLinkCut } from '../../../sandboxes/network/net';
import { isRequest, startBalancer, type Balancer } from './support';

const CLIENT = '203.0.113.10';
// net.ts reads SANDBOX_ADDR at each call: this test process plays the web servers and the learner's terminal.
const as = (address: string) => (process.env.SANDBOX_ADDR = address);

function request(
  address: string,
  path = '/',
  client = CLIENT,
): Promise<{ status: number; body: string; servedBy?: string }> {
  as(client);
  return new Promise((resolve, reject) => {
    const req = http.request({ path, createConnection: () => connect(address), headers: { host: 'site' } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body, servedBy: res.headers['x-served-by'] as string | undefined }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

function runtime(address: string, command: string): Promise<string> {
  as(CLIENT);
  return new Promise((resolve, reject) => {
    const socket = connect(address);
    socket.end(command + '\n');
    let data = '';
    socket.on('data', (c) => (data += c));
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
  });
}

describe('the balancer in the sandbox network', () => {
  let folder: string;
  let lb: Balancer;
  const servers: http.Server[] = [];
  const seenBy: Record<string, string[]> = { 'web-01': [], 'web-02': [] };

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'lb-net-'));
    process.env.SANDBOX_NET = folder;
    for (const [name, address] of [
      ['web-01', '10.0.0.11'],
      ['web-02', '10.0.0.12'],
    ]) {
      as(address);
      const server = http.createServer((req, res) => {
        seenBy[name].push(String(req.socket.remoteAddress));
        res.setHeader('x-served-by', name);
        res.end(`${name}\n`);
      });
      servers.push(server);
      await listen(server, ':80');
    }
    lb = await startBalancer(
      [
        'global',
        '    log stdout format raw local0 info',
        '    stats socket ipv4@127.0.0.1:9999 level admin',
        'defaults',
        '    log global',
        '    mode http',
        '    option httplog',
        '    timeout connect 300ms',
        '    timeout client 30s',
        '    timeout server 30s',
        'frontend fe_web',
        '    bind :80',
        '    default_backend be_app',
        'backend be_app',
        '    balance roundrobin',
        '    option redispatch',
        '    server web-01 10.0.0.11:80',
        '    server web-02 10.0.0.12:80',
      ].join('\n'),
      undefined,
      { SANDBOX_NET: folder, SANDBOX_ADDR: '10.0.0.2' },
    );
  });
  afterAll(async () => {
    await lb?.stop();
    servers.forEach((s) => s.close());
    delete process.env.SANDBOX_NET;
    delete process.env.SANDBOX_ADDR;
    rmSync(folder, { recursive: true, force: true });
  });

  it("serves 10.0.0.2:80 in turn from web-01 and web-02, which see the balancer's address, and logs the client's", async () => {
    const answers = [await request('10.0.0.2:80'), await request('10.0.0.2:80')];
    expect(answers.map((a) => a.servedBy)).toEqual(['web-01', 'web-02']);
    expect([...seenBy['web-01'], ...seenBy['web-02']].every((a) => a === '10.0.0.2')).toBe(true);
    await lb.waitFor(() => lb.events.filter(isRequest).length === 2);
    expect(lb.events.filter(isRequest).map((e) => e.client.split(':')[0])).toEqual([CLIENT, CLIENT]);
    expect(lb.logs()).toContainEqual(expect.stringMatching(/^203\.0\.113\.10:\d+ \[.*\] fe_web be_app\/web-01 /));
  });

  it('serves its runtime API on its own address when the config says 127.0.0.1', async () => {
    expect(await runtime('10.0.0.2:9999', 'get weight be_app/web-01')).toBe('1 (initial 1)\n\n');
  });

  it('redispatches a request whose server sits behind a cut link once timeout connect expires', async () => {
    setLinkCut('10.0.0.2', '10.0.0.11', true);
    try {
      const from = lb.events.length;
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(await request('10.0.0.2:80'));
      expect(answers.map((a) => a.servedBy)).toEqual(['web-02', 'web-02', 'web-02', 'web-02']);
      await lb.waitFor(() => lb.events.slice(from).filter(isRequest).length === 4);
      const rescued = lb.events
        .slice(from)
        .filter(isRequest)
        .filter((e) => e.redispatched);
      expect(rescued.length).toBeGreaterThanOrEqual(1);
      expect(rescued.every((e) => e.server === 'web-02' && e.status === 200 && e.retries === 1)).toBe(true);
      // A new connection across the cut is never answered: it is given up after timeout connect (300 ms).
      expect(Math.max(...rescued.map((e) => e.timings.Ta))).toBeGreaterThanOrEqual(280);
    } finally {
      setLinkCut('10.0.0.2', '10.0.0.11', false);
    }
  });
});
