// Attacks through the sandbox network (issue 12, items 2 and 6): a keepalived address that is a path, entry names
// that climb out of the network folder, and listeners or connections that would reach the learner's real network.
// A sandbox program listens on loopback only and connects only to loopback (by hand) or to its own topology.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceVip, connect, listen, setLinkCut } from '../../../sandboxes/network/net';
import { freePort } from '../../support/ports';
import { get, SupervisorRun } from '../../support/supervisor';
import { expectNoCanary, expectOutsideUntouched, labPerTest, makeLab, run, start, type Lab } from './support';

// One of this machine's own addresses that is not loopback: what a LAN neighbour would connect to.
const lanAddress = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

const CLIMB = '../../../../outside/canary.txt'; // from <session>/.sandbox/net/vip/ up to the lab, then to the canary

const lab = labPerTest();

const keepalivedConf = (vip: string, peer?: string) =>
  `vrrp_instance VI_1 {\n    state MASTER\n    interface eth0\n    virtual_router_id 51\n    priority 101\n    advert_int 1\n` +
  `    virtual_ipaddress {\n        ${vip}\n    }\n${peer ? `    unicast_peer {\n        ${peer}\n    }\n` : ''}}\n`;

describe('a keepalived address that is a path', () => {
  it("virtual_ipaddress { ../../../../<canary> } is refused by vrrp -t with keepalived's words for a bad address", async () => {
    const attacked = lab();
    writeFileSync(join(attacked.session, 'keepalived.conf'), keepalivedConf(CLIMB));
    const { code, output } = await run(attacked, 'vrrp', ['-t', '-f', 'keepalived.conf']);
    expect(code).toBe(1);
    expect(output).toBe(
      `keepalived.conf:8: VRRP parsed invalid IP ${CLIMB}: an IPv4 address is four numbers from 0 to 255, e.g. 10.0.0.10/24\n`,
    );
    expectOutsideUntouched(attacked);
  });

  it('unicast_peer { ../../x } is refused as keepalived refuses a malformed peer', async () => {
    const attacked = lab();
    writeFileSync(join(attacked.session, 'keepalived.conf'), keepalivedConf('10.0.0.10/24', '../../x'));
    const { code, output } = await run(attacked, 'vrrp', ['-t', '-f', 'keepalived.conf']);
    expect(code).toBe(1);
    expect(output).toContain(
      'keepalived.conf:11: Configuration error: VRRP instance[VI_1] malformed unicast peer address[../../x]',
    );
  });

  describe('through the real path: the active-passive scenario under the supervisor, lb-01 restarted', () => {
    let attacked: Lab;
    let sandbox: SupervisorRun;
    beforeAll(async () => {
      attacked = makeLab();
      // As the local bridge starts it: the session folder is the root of every program the supervisor starts.
      process.env.SANDBOX_ROOT = attacked.session;
      sandbox = await SupervisorRun.start('active-passive', { folder: attacked.session });
    }, 60_000);
    afterAll(async () => {
      await sandbox?.stop('SIGTERM', { keepFolder: true });
      delete process.env.SANDBOX_ROOT;
      delete process.env.SANDBOX_NET;
      delete process.env.SANDBOX_ADDR;
      try {
        expectOutsideUntouched(attacked); // also after every node's clean stop, which releases the addresses it holds
      } finally {
        rmSync(attacked.base, { recursive: true, force: true });
      }
    }, 30_000);

    it('the confined topology serves the site on 10.0.0.10', async () => {
      await sandbox.waitFor((e) => e.type === 'vrrp.state' && e.node === 'lb-01' && e.state === 'MASTER', 15_000);
      expect((await get('10.0.0.10:80')).status).toBe(200);
    }, 30_000);

    it("the learner's edited keepalived-lb-01.conf stops lb-01 at its start, the canary is neither replaced nor removed, and lb-02 serves", async () => {
      const file = join(attacked.session, 'keepalived-lb-01.conf');
      const edited = readFileSync(file, 'utf8').replace('10.0.0.10/24', CLIMB);
      writeFileSync(file, edited);
      const line = edited.split('\n').findIndex((text) => text.includes(CLIMB)) + 1;
      const from = sandbox.lastSeq();
      await sandbox.command({ cmd: 'restart', node: 'lb-01' });
      const refusal = await sandbox.waitFor(
        (e) => e.type === 'log' && e.node === 'lb-01' && e.text.includes(`VRRP parsed invalid IP ${CLIMB}`),
        15_000,
        from,
      );
      expect(refusal).toMatchObject({
        text: `keepalived-lb-01.conf:${line}: VRRP parsed invalid IP ${CLIMB}: an IPv4 address is four numbers from 0 to 255, e.g. 10.0.0.10/24`,
      });
      await sandbox.waitFor((e) => e.type === 'vrrp.state' && e.node === 'lb-02' && e.state === 'MASTER', 15_000, from);
      expect((await get('10.0.0.10:80')).status).toBe(200);
      expectOutsideUntouched(attacked);
    }, 60_000);
  });
});

describe('names in the network folder', () => {
  let attacked: Lab;
  beforeAll(() => {
    attacked = makeLab();
    process.env.SANDBOX_ROOT = attacked.session;
    process.env.SANDBOX_NET = join(attacked.session, '.sandbox', 'net');
    process.env.SANDBOX_ADDR = '10.0.0.11';
  });
  afterAll(async () => {
    delete process.env.SANDBOX_ROOT;
    delete process.env.SANDBOX_NET;
    delete process.env.SANDBOX_ADDR;
    rmSync(attacked.base, { recursive: true, force: true });
  });

  it('a VIP or a cut link named by a path is refused before anything is written or removed (defence behind the config check)', () => {
    expect(() => announceVip(CLIMB, '10.0.0.11')).toThrow(`vip/${CLIMB}: not a name of the sandbox network`);
    expect(() => announceVip(CLIMB, undefined)).toThrow(`vip/${CLIMB}: not a name of the sandbox network`);
    expect(() => setLinkCut('../../../../outside/x', '10.0.0.12', true)).toThrow(/not a name of the sandbox network/);
    expectOutsideUntouched(attacked);
  });

  it('a connection to a name that is not an address is refused, and nothing is read or created for it', async () => {
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => connect(`${CLIMB}:80`).once('error', resolve));
    expect(error.code).toBe('ECONNREFUSED');
    expectOutsideUntouched(attacked);
  });

  it("a real host's address is not part of the topology: connecting to it is refused and never reaches it", async () => {
    const server = net.createServer();
    let reached = 0;
    server.on('connection', (socket) => (reached++, socket.destroy()));
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
    const port = (server.address() as net.AddressInfo).port;
    for (const host of ['127.0.0.1', lanAddress ?? '192.0.2.1']) {
      const error = await new Promise<NodeJS.ErrnoException>((resolve) =>
        connect(`${host}:${port}`).once('error', resolve),
      );
      expect(error.code).toBe('ECONNREFUSED');
    }
    server.close();
    expect(reached).toBe(0);
  });
});

/** The local addresses of sockets listening on `port`, from the kernel's own table (/proc/net/tcp and tcp6). */
function boundAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((table) =>
    existsSync(table)
      ? readFileSync(table, 'utf8')
          .split('\n')
          .slice(1)
          .map((line) => line.trim().split(/\s+/))
          .filter((fields) => fields[1]?.endsWith(`:${hexPort}`) && fields[3] === '0A') // 0A: LISTEN
          .map((fields) => fields[1].split(':')[0])
      : [],
  );
}

describe('loopback only, by hand (no sandbox network)', () => {
  it('listen(":0"), "*:0", "0.0.0.0:0" and "[::]:0" bind 127.0.0.1', async () => {
    for (const address of [':0', '*:0', '0.0.0.0:0', '[::]:0']) {
      const server = net.createServer();
      await listen(server, address);
      expect((server.address() as net.AddressInfo).address).toBe('127.0.0.1');
      server.close();
    }
  });

  it("listen on one of this machine's LAN addresses is refused with EADDRNOTAVAIL", async () => {
    await expect(listen(net.createServer(), `${lanAddress ?? '192.0.2.1'}:0`)).rejects.toMatchObject({
      code: 'EADDRNOTAVAIL',
      message: expect.stringContaining("outside a sandbox, its programs listen on this computer's loopback only"),
    });
  });

  it("the balancer's frontend, stats page and runtime API socket are bound to 127.0.0.1, and the LAN address is refused", async () => {
    const attacked = lab();
    const [front, stats, runtime] = [await freePort(), await freePort(), await freePort()];
    writeFileSync(
      join(attacked.session, 'haproxy.cfg'),
      `global\n  stats socket ipv4@0.0.0.0:${runtime} level admin\ndefaults\n  mode http\n  timeout connect 1s\n  timeout client 5s\n  timeout server 5s\n` +
        `frontend fe\n  bind *:${front}\n  default_backend be\nbackend be\n  server s1 127.0.0.1:1\nlisten stats\n  bind :${stats}\n  stats enable\n  stats uri /stats\n`,
    );
    const balancer = start(attacked, 'balancer', ['-f', 'haproxy.cfg']);
    try {
      for (const port of [front, stats, runtime]) {
        await waitUntil(
          () => boundAddresses(port).length > 0,
          10_000,
          () => balancer.output(),
        );
        expect(boundAddresses(port)).toEqual(['0100007F']); // 127.0.0.1, and nothing on any other address
        if (lanAddress) expect(await connectError(lanAddress, port)).toBe('ECONNREFUSED');
        expect(await connectError('127.0.0.1', port)).toBe(undefined);
      }
    } finally {
      await balancer.stop();
    }
  });

  it('the balancer does not reach a server on the LAN, though that server answers there: 503 and "Network is unreachable"', async () => {
    const attacked = lab();
    let reached = 0;
    const lanServer = http.createServer((_req, res) => (reached++, res.end('from the LAN\n')));
    await new Promise<void>((resolve) => lanServer.listen(0, '0.0.0.0', resolve));
    const lanPort = (lanServer.address() as net.AddressInfo).port;
    const target = `${lanAddress ?? '192.0.2.1'}:${lanPort}`;
    const front = await freePort();
    writeFileSync(
      join(attacked.session, 'haproxy.cfg'),
      `defaults\n  mode http\n  timeout connect 1s\n  timeout client 5s\n  timeout server 5s\n` +
        `frontend fe\n  bind :${front}\n  default_backend be\nbackend be\n  server s1 ${target} check inter 200ms\n`,
    );
    const balancer = start(attacked, 'balancer', ['-f', 'haproxy.cfg']);
    try {
      await waitUntil(
        () => balancer.output().includes('Network is unreachable'),
        10_000,
        () => balancer.output(),
      );
      const answer = await new Promise<number>((resolve, reject) =>
        http
          .get({ port: front, host: '127.0.0.1', path: '/' }, (res) => (res.resume(), resolve(res.statusCode ?? 0)))
          .on('error', reject),
      );
      expect(answer).toBe(503);
      expect(reached).toBe(0);
      expect(balancer.output()).toContain(
        `Server be/s1 is DOWN, reason: Layer4 connection problem, info: "Network is unreachable"`,
      );
      expectNoCanary(balancer.output());
    } finally {
      await balancer.stop();
      lanServer.close();
    }
  });
});

function connectError(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    socket.setTimeout(2000, () => socket.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    socket.once('connect', () => (socket.destroy(), resolve(undefined)));
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code));
  });
}

async function waitUntil(condition: () => boolean, ms: number, context: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out; output so far:\n${context()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
