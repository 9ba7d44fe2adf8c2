// The web server as a real process on a sandbox network, talked to as a client would.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { NodeEvent } from '../../../sandboxes/contracts/events/index';
import { connect } from '../../../sandboxes/network/net';
import { get, load, RUNTIMES } from '../../support/supervisor';
import { dist, startNode, type SandboxNode } from '../../support/sandbox-node';

let folder: string;
const running: SandboxNode[] = [];
/** Whether the web servers of the describe block being run start under WebContainer constraints. */
let constrained = false;

interface Web {
  child: ChildProcess;
  events: NodeEvent[];
  stderr: () => string;
  /** The next event of this type, from now on. */
  next(type: NodeEvent['type'], ms?: number): Promise<NodeEvent>;
}

async function startWeb(args: string[], address = '10.0.0.11'): Promise<Web> {
  const node = startNode('web', args, { cwd: folder, net: join(folder, 'net'), address, name: 'web-01', constrained });
  running.push(node);
  const web: Web = {
    child: node.child,
    events: node.events,
    stderr: node.stderr,
    next: (type, ms = 5000) => node.next((e) => e.type === type, ms, node.events.length),
  };
  // The last of its start-up events: after it, next() sees only what the test causes.
  await web.next('web.behaviour');
  return web;
}

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'web-'));
  process.env.SANDBOX_NET = join(folder, 'net');
  process.env.SANDBOX_ADDR = '10.0.0.2';
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((node) => node.stop('SIGKILL')));
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe.each(RUNTIMES)('the web server, $runtime', (runtime) => {
  beforeAll(() => {
    constrained = runtime.constrained;
  });
  it('says who served a request, in the X-Served-By header and in the page, and reports the request', async () => {
    const web = await startWeb(['--name', 'web-01', '--listen', ':80']);
    const answer = await get('10.0.0.11:80', '/');
    expect(answer.status).toBe(200);
    expect(answer.headers['x-served-by']).toBe('web-01');
    expect(answer.body).toContain('Hello from web-01');
    expect(answer.body).toContain('Served by web-01 (10.0.0.11) to 10.0.0.2');
    const event = await web.next('web.request');
    const forwarded = await new Promise<string>((resolve, reject) => {
      const req = http.request(
        {
          path: '/',
          headers: { 'x-forwarded-for': '203.0.113.10<b>' },
          createConnection: () => connect('10.0.0.11:80'),
        },
        (res) => {
          let body = '';
          res.on('data', (c) => (body += c)).on('end', () => resolve(body));
        },
      );
      req.on('error', reject).end();
    });
    expect(forwarded).toContain('to 10.0.0.2 (for 203.0.113.10&#60;b&#62;)');
    expect(event).toMatchObject({ type: 'web.request', method: 'GET', path: '/', status: 200, client: '10.0.0.2' });
  });

  it('answers /health and exposes RED metrics in Prometheus text format', async () => {
    await startWeb(['--name', 'web-01']);
    expect(await get('10.0.0.11:80', '/health')).toMatchObject({ status: 200, body: 'OK\n' });
    await get('10.0.0.11:80', '/');
    await get('10.0.0.11:80', '/nope');
    const metrics = await get('10.0.0.11:80', '/metrics');
    expect(metrics.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(metrics.body).toContain('# TYPE http_requests_total counter');
    expect(metrics.body).toContain('http_requests_total{method="GET",code="200",server="web-01"} 2');
    expect(metrics.body).toContain('http_requests_total{method="GET",code="404",server="web-01"} 1');
    expect(metrics.body).toContain('# TYPE http_request_duration_seconds histogram');
    expect(metrics.body).toMatch(/http_request_duration_seconds_count\{server="web-01",method="GET"\} 3/);
  });

  it('made slow at start, adds the latency to every answer', async () => {
    await startWeb(['--name', 'web-01', '--slow', '300ms']);
    const started = performance.now();
    expect((await get('10.0.0.11:80', '/')).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('made flaky, fails app requests with 500 but keeps passing health checks', async () => {
    await startWeb(['--name', 'web-01', '--flaky', '1']);
    expect(await get('10.0.0.11:80', '/')).toMatchObject({
      status: 500,
      body: 'Internal Server Error (web-01 is flaky)\n',
    });
    expect((await get('10.0.0.11:80', '/health')).status).toBe(200);
  });

  it('frozen on a line from stdin, accepts connections but never answers, until told normal again', async () => {
    const web = await startWeb(['--name', 'web-01']);
    web.child.stdin!.write('frozen on\n');
    expect(await web.next('web.behaviour')).toMatchObject({ frozen: true, slow_ms: 0, flaky: 0 });
    await expect(get('10.0.0.11:80', '/health', 500)).rejects.toMatchObject({ code: 'TIMEOUT' });
    web.child.stdin!.write('normal\n');
    await web.next('web.behaviour');
    expect((await get('10.0.0.11:80', '/health')).status).toBe(200);
  });

  it('frozen in-process by `freeze`, holds an answer that was due and every new request, and sends them all on `resume`', async () => {
    const web = await startWeb(['--name', 'web-01', '--slow', '400ms']);
    const inFlight = timed(get('10.0.0.11:80', '/', 10_000));
    await new Promise((resolve) => setTimeout(resolve, 100));
    web.child.stdin!.write('freeze\n');
    await web.next('control.frozen');
    const arrived = timed(get('10.0.0.11:80', '/', 10_000));
    // Well past the 400 ms: a frozen process sends nothing, not even the answer its timer had scheduled.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const resumedAt = performance.now();
    web.child.stdin!.write('resume\n');
    await web.next('control.resumed');
    for (const answer of [await inFlight, await arrived]) {
      expect(answer.status).toBe(200);
      expect(answer.at).toBeGreaterThanOrEqual(resumedAt);
    }
    // It is the same process, running normally again.
    expect((await get('10.0.0.11:80')).status).toBe(200);
    expect(web.child.exitCode).toBeNull();
  });

  it('stops gracefully on `stop`: the request in flight is answered, then it exits with 0', async () => {
    const web = await startWeb(['--name', 'web-01', '--slow', '600ms']);
    await get('10.0.0.11:80');
    const inFlight = get('10.0.0.11:80');
    // Long enough for the request to be read (a connection still in the backlog is reset, as by a real server).
    await new Promise((resolve) => setTimeout(resolve, 300));
    const exit = new Promise((resolve) => web.child.once('exit', resolve));
    web.child.stdin!.write('stop\n');
    await web.next('control.stopping');
    expect((await inFlight).status).toBe(200);
    expect(await exit).toBe(0);
  });

  it('reports a bad stdin line on stderr and keeps its behaviour', async () => {
    const web = await startWeb(['--name', 'web-01']);
    web.child.stdin!.write('slow forever\n');
    web.child.stdin!.write('slow 10ms\n');
    expect(await web.next('web.behaviour')).toMatchObject({ slow_ms: 10 });
    // stderr is its own pipe: its line may be read after the next event on stdout.
    await expect.poll(() => web.stderr(), { timeout: 5_000 }).toContain("web: invalid duration 'forever'");
  });

  it('refuses bad flags with the usage, and exits when the supervisor (its stdin) goes away', async () => {
    const bad = spawn(process.execPath, [join(dist, 'web.js'), '--name', 'web-01', '--flaky', 'lots'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let errors = '';
    bad.stderr!.on('data', (c) => (errors += c));
    expect(await new Promise((resolve) => bad.once('exit', resolve))).toBe(2);
    expect(errors).toContain("invalid error ratio 'lots'");
    expect(errors).toContain('usage: web --name web-01');

    const web = await startWeb(['--name', 'web-01']);
    const exit = new Promise((resolve) => web.child.once('exit', resolve));
    web.child.stdin!.end();
    expect(await exit).toBe(0);
  });
});

// The capacity model (sandboxes/web/capacity.ts) seen from outside. Every bound comes from the server's flags; none
// assumes the machine is fast (a slow machine sends less than asked, which only moves the server further from its
// limit in the tests below capacity, and waits and refusals are counted, not timed).
describe('a web server’s capacity', () => {
  const pools = (web: Web) =>
    web.events.filter((e): e is Extract<NodeEvent, { type: 'web.pool' }> => e.type === 'web.pool');
  const requests = (web: Web) =>
    web.events.filter((e): e is Extract<NodeEvent, { type: 'web.request' }> => e.type === 'web.request');

  it('serves `workers` requests at once, queues `backlog` more, and answers the rest 503 at once', async () => {
    // 2 workers, 2 places in the backlog, 1.5 s of work each: a burst of 8 arrives long before any worker is free.
    const web = await startWeb(['--name', 'web-01', '--workers', '2', '--backlog', '2', '--service-time', '1500ms']);
    const answers = await Promise.all(Array.from({ length: 8 }, () => timed(get('10.0.0.11:80', '/', 20_000))));
    const served = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 503);
    expect(served).toHaveLength(4);
    expect(refused).toHaveLength(4);
    expect(refused[0].body).toBe(
      'Service Unavailable: web-01 is overloaded (all 2 workers busy, backlog of 2 full); try again later\n',
    );
    expect(refused[0].headers['retry-after']).toBe('1');
    // Refused at once, before any worker finished: a refusal costs no work.
    expect(Math.max(...refused.map((a) => a.at))).toBeLessThan(Math.min(...served.map((a) => a.at)));
    // The two that queued waited a whole service time for a worker, and the server said so.
    const waits = requests(web)
      .filter((e) => e.status === 200)
      .map((e) => e.wait_ms)
      .sort((a, b) => a - b);
    expect(waits.slice(0, 2).every((w) => w < 1500)).toBe(true);
    expect(waits.slice(2).every((w) => w >= 1400)).toBe(true);
    // The per-second samples count the refusals; on a loaded machine the last one may have come before this line.
    await expect.poll(() => pools(web).reduce((sum, p) => sum + p.refused, 0), { timeout: 5000 }).toBe(4);
    const seen = pools(web);
    expect(Math.max(...seen.map((p) => p.max_queued))).toBe(2);
    expect(seen[0]).toMatchObject({ workers: 2, backlog: 2 });
  });

  it('above its capacity queues, then refuses; and never serves more than workers ÷ service time allows', async () => {
    // 2 workers × 100 ms = 20 req/s at most; send 60 req/s for 2 s.
    const web = await startWeb(['--name', 'web-01', '--workers', '2', '--backlog', '5', '--service-time', '100ms']);
    const started = performance.now();
    const answers = await load('10.0.0.11:80', 60, 2000);
    const elapsed = performance.now() - started;
    const served = answers.filter((a) => a.status === 200).length;
    const refused = answers.filter((a) => a.status === 503).length;
    expect(served + refused).toBe(answers.length);
    expect(refused).toBeGreaterThan(0);
    expect(served).toBeLessThanOrEqual(2 * Math.ceil(elapsed / 100));
    // Before the first refusal, the backlog filled: some request waited for a worker.
    expect(requests(web).some((e) => e.status === 200 && e.wait_ms > 0)).toBe(true);
    expect(
      web.events.some(
        (e) =>
          e.type === 'log' &&
          /answered \d+ requests? with 503 in the last second: all 2 workers busy and the backlog of 5 full/.test(
            e.text,
          ),
      ),
    ).toBe(true);
  });

  it('below its capacity refuses nothing', async () => {
    // 5 workers × 100 ms = 50 req/s at most; 10 req/s uses a fifth of it, so even a stalled machine's bunched-up
    // arrivals fit in the workers and the backlog.
    const web = await startWeb(['--name', 'web-01', '--workers', '5', '--backlog', '20', '--service-time', '100ms']);
    const answers = await load('10.0.0.11:80', 10, 2000);
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    await web.next('web.pool');
    expect(pools(web).every((p) => p.refused === 0)).toBe(true);
  });

  it('takes a new capacity from a stdin line, confirmed in its behaviour event, and keeps its health checks out of the pool', async () => {
    const web = await startWeb(['--name', 'web-01']);
    expect(web.events.find((e) => e.type === 'web.behaviour')).toMatchObject({
      workers: 5,
      backlog: 20,
      service_ms: 140,
    });
    web.child.stdin!.write('workers 1 backlog 0 service 2s\n');
    expect(await web.next('web.behaviour')).toMatchObject({ workers: 1, backlog: 0, service_ms: 2000 });
    const busy = get('10.0.0.11:80', '/', 10_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The one worker is busy and no request may wait: the page is refused, the health check still answered.
    expect((await get('10.0.0.11:80', '/')).status).toBe(503);
    expect(await get('10.0.0.11:80', '/health')).toMatchObject({ status: 200, body: 'OK\n' });
    expect((await busy).status).toBe(200);
  });
});

/** The answer, with when it arrived. */
async function timed<T>(answer: Promise<T>): Promise<T & { at: number }> {
  const value = await answer;
  return Object.assign(value as object, { at: performance.now() }) as T & { at: number };
}
