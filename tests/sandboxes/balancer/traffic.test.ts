// The balancer as a real process in front of real HTTP servers: where requests go, and what a client gets when
// servers die, hang or never existed.
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { errorPages } from '../../../sandboxes/balancer/errors';
import {
  freePort,
  get,
  haproxyCfg,
  isRequest,
  isServer,
  raw,
  startBackend,
  startBalancer,
  type Backend,
  type Balancer,
} from './support';

const running: { balancers: Balancer[]; backends: Backend[] } = { balancers: [], backends: [] };
afterEach(async () => {
  await Promise.all(running.balancers.splice(0).map((b) => b.stop()));
  await Promise.all(running.backends.splice(0).map((b) => b.kill()));
});

async function backends(...names: string[]): Promise<Backend[]> {
  const list = await Promise.all(names.map((n) => startBackend(n)));
  running.backends.push(...list);
  return list;
}
async function balancer(config: string, ready?: Parameters<typeof startBalancer>[1]): Promise<Balancer> {
  const b = await startBalancer(config, ready);
  running.balancers.push(b);
  return b;
}

describe('where requests go', () => {
  it("sends requests in HAProxy's weighted round-robin order: weights 3:1:1 give app1 app1 app2 app1 app3", async () => {
    const [a1, a2, a3] = await backends('app1', 'app2', 'app3');
    const port = await freePort();
    await balancer(
      haproxyCfg({
        port,
        backend: ['balance roundrobin'],
        servers: [
          `server app1 127.0.0.1:${a1.port} weight 3`,
          `server app2 127.0.0.1:${a2.port}`,
          `server app3 127.0.0.1:${a3.port}`,
        ],
      }),
    );
    const order: string[] = [];
    for (let i = 0; i < 10; i++) order.push(String((await get(port)).headers['x-served-by']));
    expect(order).toEqual(['app1', 'app1', 'app2', 'app1', 'app3', 'app1', 'app1', 'app2', 'app1', 'app3']);
  });

  it("passes the server's answer through and logs each request as option httplog does", async () => {
    const [a1] = await backends('app1');
    const port = await freePort();
    const lb = await balancer(
      haproxyCfg({ port, backend: ['balance roundrobin'], servers: [`server app1 127.0.0.1:${a1.port}`] }),
    );
    const answer = await get(port, '/hello?x=1');
    expect(answer).toMatchObject({ status: 200, body: 'app1\n' });
    const event = await lb.waitFor(isRequest);
    expect(event).toMatchObject({
      frontend: 'fe_web',
      backend: 'be_app',
      server: 'app1',
      status: 200,
      termination: '----',
      retries: 0,
      method: 'GET',
      path: '/hello?x=1',
    });
    // The log line is its own event and may arrive just after the request event.
    const log = await lb.waitFor((e) => e.type === 'log' && e.text.includes('fe_web be_app/app1'));
    const line = log.type === 'log' ? log.text : '';
    expect(line).toMatch(
      /^127\.0\.0\.1:\d+ \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d\.\d{3}\] fe_web be_app\/app1 0\/0\/\d+\/\d+\/\d+ 200 \d+ - - ---- \d+\/\d+\/0\/0\/0 0\/0 "GET \/hello\?x=1 HTTP\/1\.1"$/,
    );
  });
});

describe('when servers fail', () => {
  it('marks a killed server DOWN after fall × inter and back UP after rise × inter (within one inter)', async () => {
    const [a1, a2] = await backends('app1', 'app2');
    const port = await freePort();
    const inter = 200;
    const SLACK = 1500; // timers on a 2-core machine shared with other test runs
    const lb = await balancer(
      haproxyCfg({
        port,
        backend: ['balance roundrobin'],
        servers: [
          `server app1 127.0.0.1:${a1.port} check inter ${inter} fall 3 rise 2`,
          `server app2 127.0.0.1:${a2.port} check inter ${inter}`,
        ],
      }),
    );
    await lb.waitFor((e) => isServer(e) && e.server === 'app1' && e.status === 'UP');

    let from = lb.events.length;
    const killedAt = Date.now();
    await a1.kill();
    await lb.waitFor((e) => isServer(e) && e.server === 'app1' && e.transition === 'DOWN', 5000, from);
    const downAfter = Date.now() - killedAt;
    const app1 = lb.events
      .slice(from)
      .filter(isServer)
      .filter((e) => e.server === 'app1');
    const statuses = app1.map((e) => e.status);
    const down = app1.at(-1)!;
    expect(statuses).toEqual(['UP 2/3', 'UP 1/3', 'DOWN']);
    expect(down.check).toMatchObject({ status: 'L4CON', info: 'Connection refused' });
    // The first failing check comes within one inter of the kill, then two more: between 2 and 3 inters. The upper
    // bound allows one more inter plus scheduling delays on a busy machine; the statuses above prove the count.
    expect(downAfter).toBeGreaterThanOrEqual(2 * inter - 50);
    expect(downAfter).toBeLessThanOrEqual(4 * inter + SLACK);
    expect(lb.logs()).toContainEqual(
      expect.stringMatching(
        /^Server be_app\/app1 is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: \d+ms\. 1 active and 0 backup servers left\. 0 sessions active, 0 requeued, 0 remaining in queue\.$/,
      ),
    );

    from = lb.events.length;
    const startedAt = Date.now();
    await a1.start();
    await lb.waitFor((e) => isServer(e) && e.server === 'app1' && e.transition === 'UP', 5000, from);
    const upAfter = Date.now() - startedAt;
    expect(upAfter).toBeGreaterThanOrEqual(1 * inter - 50);
    expect(upAfter).toBeLessThanOrEqual(3 * inter + SLACK);
    expect(lb.logs()).toContainEqual(
      expect.stringMatching(
        /^Server be_app\/app1 is UP, reason: Layer4 check passed, check duration: \d+ms\. 2 active and 0 backup servers online\./,
      ),
    );
  });

  it('with retries and option redispatch, a server killed under load costs no failed request', async () => {
    const [a1, a2, a3] = await backends('app1', 'app2', 'app3');
    const port = await freePort();
    // No health checks: the dead server stays "UP" for the balancer, so every request sent to it must be rescued.
    const lb = await balancer(
      haproxyCfg({
        port,
        backend: ['balance roundrobin', 'retries 3', 'option redispatch'],
        servers: [a1, a2, a3].map((b) => `server ${b.name} 127.0.0.1:${b.port}`),
      }),
    );
    const statuses: number[] = [];
    const worker = async () => {
      for (let i = 0; i < 40; i++) statuses.push((await get(port)).status);
    };
    const load = Promise.all([worker(), worker(), worker(), worker()]);
    while (statuses.length < 30) await new Promise((r) => setTimeout(r, 5));
    await a2.kill();
    await load;
    expect(statuses).toHaveLength(160);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    const rescued = lb.events.filter(isRequest).filter((e) => e.redispatched);
    expect(rescued.length).toBeGreaterThan(0);
    expect(rescued.every((e) => e.status === 200 && e.server !== 'app2' && e.retries === 1)).toBe(true);
    expect(lb.logs().some((l) => / 200 \d+ - - ---- \d+\/\d+\/\d+\/\d+\/\+1 /.test(l))).toBe(true);
  });

  it("without redispatch, a request sent to a dead server gets HAProxy's 503 after its retries", async () => {
    const [a1, a2] = await backends('app1', 'app2');
    const port = await freePort();
    const lb = await balancer(
      haproxyCfg({
        port,
        defaults: ['timeout connect 200ms', 'timeout client 30s', 'timeout server 30s'],
        backend: ['balance roundrobin', 'retries 3'],
        servers: [`server app1 127.0.0.1:${a1.port}`, `server app2 127.0.0.1:${a2.port}`],
      }),
    );
    await a2.kill();
    expect((await get(port)).status).toBe(200);
    const started = Date.now();
    const failed = await get(port);
    const took = Date.now() - started;
    expect(failed.status).toBe(503);
    expect(failed.body).toBe(errorPages[503].body);
    // Three retries on the same server, min(timeout connect, 1 s) = 200 ms apart.
    expect(took).toBeGreaterThanOrEqual(3 * 200 - 20);
    const event = await lb.waitFor((e) => isRequest(e) && e.status === 503);
    expect(event).toMatchObject({
      server: 'app2',
      termination: 'SC--',
      retries: 3,
      redispatched: false,
      timings: { Tw: 0, Tc: -1, Tr: -1 },
    });
    // The log line comes on its own stream, which may be read after the event's.
    await expect
      .poll(() => lb.logs(), { timeout: 5_000 })
      .toContainEqual(
        expect.stringMatching(
          / fe_web be_app\/app2 0\/0\/-1\/-1\/\d+ 503 \d+ - - SC-- \d+\/\d+\/\d+\/\d+\/3 0\/0 "GET \/ HTTP\/1\.1"$/,
        ),
      );
  });

  it('answers the exact 503 page, logged <NOSRV> SC--, when every server is down', async () => {
    const port = await freePort();
    const [dead1, dead2] = [await freePort(), await freePort()];
    const lb = await balancer(
      haproxyCfg({
        port,
        backend: ['balance roundrobin'],
        servers: [`server app1 127.0.0.1:${dead1} check inter 100`, `server app2 127.0.0.1:${dead2} check inter 100`],
      }),
    );
    // At startup a server is one failed check from DOWN: the first check takes it down.
    await lb.waitFor((e) => e.type === 'balancer.backend' && !e.available);
    expect(lb.logs()).toContain('backend be_app has no server available!'); // the log's wording (stderr quotes the name)
    const answer = await raw(port, 'GET / HTTP/1.1\r\nHost: site\r\n\r\n', 1000);
    expect(answer.data).toBe(errorPages[503].bytes.toString('latin1'));
    expect(answer.data).toBe(
      'HTTP/1.1 503 Service Unavailable\r\ncontent-length: 107\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n' +
        '<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n',
    );
    expect(answer.closed).toBe(false); // HAProxy keeps the connection after a 503
    expect(lb.logs()).toContainEqual(
      expect.stringMatching(/ fe_web be_app\/<NOSRV> 0\/-1\/-1\/-1\/\d+ 503 \d+ - - SC-- /),
    );
  });

  it('answers 504 when the server does not answer within timeout server, and 502 when it hangs up', async () => {
    const hung = await startBackend('hung', () => undefined);
    const rude = await startBackend('rude', (req) => req.socket.destroy());
    running.backends.push(hung, rude);
    const port = await freePort();
    const lb = await balancer(
      haproxyCfg({
        port,
        defaults: ['timeout connect 1s', 'timeout client 30s', 'timeout server 300ms'],
        backend: ['balance roundrobin'],
        servers: [`server hung 127.0.0.1:${hung.port}`, `server rude 127.0.0.1:${rude.port}`],
      }),
    );
    const timedOut = await raw(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', 2000);
    expect(timedOut.data).toBe(errorPages[504].bytes.toString('latin1'));
    const hungUp = await raw(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', 2000);
    expect(hungUp.data).toBe(errorPages[502].bytes.toString('latin1'));
    await lb.waitFor((e) => isRequest(e) && e.status === 502);
    const terminations = lb.events.filter(isRequest).map((e) => `${e.server} ${e.status} ${e.termination}`);
    expect(terminations).toEqual(['hung 504 sH--', 'rude 502 SH--']);
  });

  it("queues requests beyond a server's maxconn and serves them when a slot frees", async () => {
    const slow = await startBackend('slow', (_req, res) => setTimeout(() => res.end('slow\n'), 150));
    running.backends.push(slow);
    const port = await freePort();
    const lb = await balancer(
      haproxyCfg({ port, backend: ['balance roundrobin'], servers: [`server slow 127.0.0.1:${slow.port} maxconn 1`] }),
    );
    const answers = await Promise.all([get(port), get(port), get(port)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    await lb.waitFor(() => lb.events.filter(isRequest).length === 3);
    const waited = lb.events
      .filter(isRequest)
      .map((e) => e.timings.Tw)
      .sort((a, b) => a - b);
    expect(waited[0]).toBe(0);
    expect(waited[2]).toBeGreaterThanOrEqual(250);
  });
});

describe('what the client side gets', () => {
  it('answers malformed HTTP with the 400 page and keeps serving', async () => {
    const [a1] = await backends('app1');
    const port = await freePort();
    const lb = await balancer(
      haproxyCfg({ port, backend: ['balance roundrobin'], servers: [`server app1 127.0.0.1:${a1.port}`] }),
    );
    const bad = await raw(port, 'GET / HTTP/1.1\r\nHost x y\r\n\r\n');
    expect(bad.data).toBe(errorPages[400].bytes.toString('latin1'));
    // As HAProxy 2.6.12 sends it: the raw message, capitalised headers, and the connection closed.
    expect(bad.data).toBe(
      'HTTP/1.1 400 Bad request\r\nContent-length: 90\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n' +
        '<html><body><h1>400 Bad request</h1>\nYour browser sent an invalid request.\n</body></html>\n',
    );
    expect(bad.closed).toBe(true);
    expect((await get(port)).status).toBe(200);
    expect(lb.logs()).toContainEqual(
      expect.stringMatching(/ fe_web fe_web\/<NOSRV> -1\/-1\/-1\/-1\/0 400 0 - - PR-- .* "<BADREQ>"$/),
    );
  });

  it('cuts a client that does not finish its request within timeout client with the 408 page', async () => {
    const [a1] = await backends('app1');
    const port = await freePort();
    await balancer(
      haproxyCfg({
        port,
        defaults: ['timeout connect 1s', 'timeout client 300ms', 'timeout server 5s'],
        backend: ['balance roundrobin'],
        servers: [`server app1 127.0.0.1:${a1.port}`],
      }),
    );
    const slow = await raw(port, 'GET / HTTP/1.1\r\nHost: x\r\n', 3000);
    expect(slow.data).toBe(errorPages[408].bytes.toString('latin1'));
    expect(slow.closed).toBe(true);
    expect(slow.ms).toBeGreaterThanOrEqual(280);
    expect(slow.ms).toBeLessThan(2000);
  });

  it('forwards the client address in X-Forwarded-For with option forwardfor', async () => {
    let seen: string | undefined;
    const echo = await startBackend('echo', (req: http.IncomingMessage, res: http.ServerResponse) => {
      seen = String(req.headers['x-forwarded-for']);
      res.end('ok');
    });
    running.backends.push(echo);
    const port = await freePort();
    await balancer(
      haproxyCfg({
        port,
        backend: ['balance roundrobin', 'option forwardfor'],
        servers: [`server echo 127.0.0.1:${echo.port}`],
      }),
    );
    expect((await get(port)).status).toBe(200);
    expect(seen).toMatch(/127\.0\.0\.1$/);
  });
});
