// The capstone proven with real processes: under steady GET traffic over HTTPS to the virtual address, killing any one
// node (each balancer, each web server, the primary, the standby, each monitor) fails no request sent once the
// takeover is complete; and every goal of the scenario is met by its own solution, typed into the real shell, and
// the predictions asked before two of them are answered by that same run.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CA_PEM } from '../../../sandboxes/scenarios/build/certificates';
import { scenarios } from '../../../sandboxes/scenarios/index';
import type { SandboxEvent } from '../../../sandboxes/contracts/events/index';
import { exchange, header } from '../../../sandboxes/shell/http-client';
import { decodeCertificate } from '../../../sandboxes/network/tls/pki';
import { ShellSession } from '../../support/terminal';
import { SupervisorRun } from '../../support/supervisor';

const VIP = '10.0.0.10';
const SITE = 'www.example.com';
const RATE = 10;
/** How long after the takeover the traffic must be flawless: longer than mon-01's lease (2.5 s) and a scrape. */
const STEADY_MS = 4000;
/** Generous bounds on a loaded machine, from the configured intervals: VRRP 3 × 1 s + skew, checks 3 × 1 s, heartbeats 3 × 1 s. */
const TAKEOVER_MS = 15_000;
const RECOVERY_MS = 20_000;

type Event<T extends SandboxEvent['type']> = Extract<SandboxEvent, { type: T }>;
const is =
  <T extends SandboxEvent['type']>(type: T, test: (e: Event<T>) => boolean = () => true) =>
  (e: SandboxEvent) =>
    e.type === type && test(e as Event<T>);

interface Answer {
  status: number;
  headers: [string, string][];
  body: string;
}

/** A request to the site as the learner's curl sends it: over HTTPS to the virtual address (or plain HTTP). */
async function request(method: 'GET' | 'POST', path: string, value?: string, secure = true): Promise<Answer> {
  const headers: [string, string][] = [['Host', SITE]];
  if (value !== undefined)
    headers.push(
      ['Content-Type', 'application/x-www-form-urlencoded'],
      ['Content-Length', String(Buffer.byteLength(value))],
    );
  const tls = secure ? { servername: SITE, trusted: [decodeCertificate(CA_PEM)] } : undefined;
  const response = await exchange({
    method,
    host: VIP,
    port: secure ? 443 : 80,
    path,
    headers,
    body: value,
    tls,
    maxTimeMs: 10_000,
  });
  return { status: response.status, headers: response.headers, body: response.body.toString() };
}

/** Open-loop GETs like `load`: one request every 1000/rate ms, each remembered with when it left and how it ended. */
class SteadyTraffic {
  private readonly requests: { at: number; answer: Promise<Answer | Error> }[] = [];
  private running = true;
  private readonly loop: Promise<void>;

  constructor(path: string, rate: number) {
    this.loop = (async () => {
      const start = performance.now();
      for (let i = 0; this.running; i++) {
        await sleep(Math.max(0, start + (i * 1000) / rate - performance.now()));
        this.requests.push({ at: performance.now(), answer: request('GET', path).catch((error: Error) => error) });
      }
    })();
  }

  /** Every request sent in [from, from + ms), once answered (or failed). */
  async sentBetween(from: number, ms: number): Promise<(Answer | Error)[]> {
    await sleep(Math.max(0, from + ms - performance.now()));
    return Promise.all(this.requests.filter((r) => r.at >= from && r.at < from + ms).map((r) => r.answer));
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await Promise.all(this.requests.map((r) => r.answer));
  }
}

const failures = (answers: (Answer | Error)[]) =>
  answers.flatMap((a) => (a instanceof Error ? [a.message] : a.status === 200 ? [] : [`${a.status} ${a.body.trim()}`]));

describe('the capstone: no single point of failure under traffic', () => {
  let run: SupervisorRun;
  let traffic: SteadyTraffic;

  /** Waits for an event after `from` and returns it with the moment (this process's clock) it arrived. */
  const arrival = async (match: (e: SandboxEvent) => boolean, from: number, ms: number) => {
    const event = await run.waitFor(match, ms, from);
    return { event, at: performance.now() };
  };
  const command = async (cmd: 'kill' | 'start', node: string) => {
    const from = run.lastSeq();
    const reply = await run.command({ cmd, node });
    expect(reply.ok, JSON.stringify(reply)).toBe(true);
    return from;
  };
  const log = (node: string, text: RegExp) => is('log', (e) => e.node === node && text.test(e.text));
  const vrrp = (node: string, state: string) => is('vrrp.state', (e) => e.node === node && e.state === state);
  const down = (server: string, balancer: string) =>
    is('balancer.server', (e) => e.node === balancer && e.server === server && e.transition === 'DOWN');
  const up = (server: string, balancer: string) =>
    is('balancer.server', (e) => e.node === balancer && e.server === server && e.transition === 'UP');
  const exited = (node: string) => is('node.exited', (e) => e.name === node);

  /**
   * Kills `node`, waits for the event that completes the takeover, and expects every GET sent in the STEADY_MS
   * after it to be answered 200.
   */
  async function survives(node: string, takeover: (e: SandboxEvent) => boolean): Promise<number> {
    const from = await command('kill', node);
    const { at } = await arrival(takeover, from, TAKEOVER_MS);
    const answers = await traffic.sentBetween(at, STEADY_MS);
    expect(answers.length, 'requests sent after the takeover').toBeGreaterThanOrEqual((RATE * STEADY_MS) / 1000 / 2);
    expect(failures(answers), `failed requests after ${node} died and the takeover completed`).toEqual([]);
    return from;
  }

  beforeAll(async () => {
    run = await SupervisorRun.start('capstone');
    await run.waitFor(vrrp('lb-01', 'MASTER'), RECOVERY_MS);
    const written = await request('POST', '/kv?key=cart', 'one-book');
    expect(written.status, written.body).toBe(200);
    traffic = new SteadyTraffic('/kv?key=cart', RATE);
  }, 60_000);
  afterAll(async () => {
    await traffic?.stop();
    await run?.stop();
  });

  it('serves the site over HTTPS only: plain HTTP gets a 301 to https, and HTTPS answers carry HSTS', async () => {
    const plain = await request('GET', '/kv?key=cart', undefined, false);
    expect(plain.status).toBe(301);
    expect(header(plain.headers, 'location')).toBe(`https://${SITE}/kv?key=cart`);
    const secure = await request('GET', '/kv?key=cart');
    expect(secure.status).toBe(200);
    expect(header(secure.headers, 'strict-transport-security')).toBe('max-age=31536000');
    expect(header(plain.headers, 'strict-transport-security')).toBeUndefined();
  });

  it.each(['web-01', 'web-02'])(
    'a web server (%s): once lb-01 marks it DOWN, no request fails',
    async (web) => {
      await survives(web, down(web, 'lb-01'));
      const from = await command('start', web);
      await Promise.all(['lb-01', 'lb-02'].map((lb) => run.waitFor(up(web, lb), RECOVERY_MS, from)));
    },
    60_000,
  );

  it('the BACKUP balancer lb-02: nothing to take over, no request fails', async () => {
    await survives('lb-02', exited('lb-02'));
    await run.waitFor(vrrp('lb-02', 'BACKUP'), RECOVERY_MS, await command('start', 'lb-02'));
  }, 60_000);

  it('the monitor prom-01: no request fails', async () => {
    await survives('prom-01', exited('prom-01'));
    await run.waitFor(
      is('node.started', (e) => e.name === 'prom-01'),
      RECOVERY_MS,
      await command('start', 'prom-01'),
    );
  }, 60_000);

  it('the failover monitor mon-01: reads go on; the primary, its lease expired, refuses writes until mon-01 is back', async () => {
    const from = await survives('mon-01', exited('mon-01'));
    expect(
      run.events.some(
        (e) => e.seq > from && is('store.fenced', (f) => f.node === 'db-01' && f.reason === 'lease-expired')(e),
      ),
    ).toBe(true);
    const refused = await request('POST', '/kv?key=cart', 'while-fenced');
    expect(refused.status, refused.body).toBe(503);
    await run.waitFor(log('mon-01', /primary is db-01 /), RECOVERY_MS, await command('start', 'mon-01'));
    // The next heartbeat renews db-01's lease (within one interval, 1 s): writes are taken again.
    const deadline = performance.now() + RECOVERY_MS;
    let written = await request('POST', '/kv?key=cart', 'after-mon-01');
    while (written.status !== 200 && performance.now() < deadline) {
      await sleep(200);
      written = await request('POST', '/kv?key=cart', 'after-mon-01');
    }
    expect(written.body).toMatch(/^stored cart on 10\.0\.0\.21:5432 at /);
  }, 60_000);

  it('the standby db-02: reads move to the primary, no request fails', async () => {
    await survives('db-02', exited('db-02'));
    await run.waitFor(log('db-02', /started streaming WAL from primary/), RECOVERY_MS, await command('start', 'db-02'));
  }, 60_000);

  it('the primary db-01: once mon-01 has promoted db-02, no request fails and writes go to db-02', async () => {
    await survives(
      'db-01',
      is('store.failover', (e) => e.to === '10.0.0.22:5432'),
    );
    const written = await request('POST', '/kv?key=cart', 'two-books');
    expect(written.status, written.body).toBe(200);
    expect(written.body).toMatch(/^stored cart on 10\.0\.0\.22:5432 at /);
  }, 60_000);

  it('the MASTER balancer lb-01: once lb-02 holds 10.0.0.10, no request fails', async () => {
    await survives('lb-01', vrrp('lb-02', 'MASTER'));
  }, 60_000);
});

describe('the capstone: every goal met by its own solution, typed into the shell, and not before', () => {
  let run: SupervisorRun;
  let shell: ShellSession;
  let fresh = true;

  beforeAll(async () => {
    run = await SupervisorRun.start('capstone');
    shell = new ShellSession(run.folder);
    await shell.waitForPrompt(1);
  }, 60_000);
  afterAll(async () => {
    await shell?.close();
    await run?.stop();
  });

  /**
   * What each prediction's measure must find after its goal's solution. The sandbox refuses connections to the
   * virtual address while nobody holds it: at 10 req/s over a gap of at least 3 × advert_int (3 s), 20 or more of the
   * requests fail (up to ~60 on a loaded machine). mon-01 promotes db-02 after 3 missed heartbeats 1 s apart: more
   * than 2 s after the death (it may die just before a heartbeat), less as measured when the supervisor records the death
   * late on a loaded machine (1 s of margin), and within the test's takeover bound.
   */
  const expectedMeasure: Record<string, (value: number | string) => boolean> = {
    'failures-during-takeover': (value) => typeof value === 'number' && value >= 20 && value <= 100,
    'seconds-to-promotion': (value) => typeof value === 'number' && value >= 1 && value <= TAKEOVER_MS / 1000,
  };

  // front-door-only last: a reset restarts the nodes but leaves the firewall rules in the sandbox network.
  const order = ['balancer-loss', 'web-loss', 'database-loss', 'alerted', 'front-door-only'];
  it('lists its goals in the order this test plays them', () => {
    expect([...scenarios.capstone.goals.map((g) => g.id)].sort()).toEqual([...order].sort());
  });

  it.each(order)(
    'goal %s',
    async (id) => {
      let from = 0;
      if (!fresh) {
        const before = run.lastSeq();
        expect((await run.command({ cmd: 'reset' })).ok).toBe(true);
        // The new run starts with the scenario event; goal events before it still judge the previous run.
        from = (await run.waitFor(is('scenario'), 10_000, before)).seq - 1;
      }
      fresh = false;
      // From the start (or the reset): no goal is met, and lb-01 holds the virtual address.
      for (const goal of scenarios.capstone.goals)
        expect(
          await run.waitFor(
            is('goal', (e) => e.id === goal.id),
            10_000,
            from,
          ),
        ).toMatchObject({ met: false });
      await run.waitFor(
        is('vrrp.state', (e) => e.node === 'lb-01' && e.state === 'MASTER'),
        RECOVERY_MS,
        from,
      );
      const start = run.lastSeq();
      const predictions = scenarios.capstone.predictions!.filter((p) => p.goal === id);
      const world = () => ({
        events: run.events.filter((e) => e.seq > start),
        now: Infinity,
        nodes: [],
        cuts: [],
        file: () => undefined,
      });
      for (const prediction of predictions)
        expect(prediction.measure(world()), `${prediction.id} before the solution`).toBeUndefined();
      for (const line of scenarios.capstone.goals.find((g) => g.id === id)!.solution) await shell.command(line, 60_000);
      await run
        .waitFor(
          is('goal', (e) => e.id === id && e.met),
          20_000,
          start,
        )
        .catch(async (error: Error) => {
          // What the goal's check saw, to tell a wrong solution (or a product bug) from a slow machine.
          const verdict = (await run.status()).goals.find((g) => g.id === id);
          throw new Error(`${error.message.split('\n')[0]}\n--- ${id}: ${verdict?.observed}`);
        });
      for (const prediction of predictions) {
        const measured = prediction.measure(world());
        expect(measured, prediction.id).toBeDefined();
        expect(measured!.value, `${prediction.id}: ${measured!.how}`).toSatisfy(expectedMeasure[prediction.id]);
        console.log(`${prediction.id}: ${measured!.value} (${measured!.how})`);
      }
    },
    120_000,
  );

  it('behind every firewall, the site still writes, replicates and reads over HTTPS, and the internet sees only 80 and 443', async () => {
    const https = '--resolve www.example.com:443:10.0.0.10 https://www.example.com/kv?key=cart';
    expect(await shell.command(`curl -d behind-the-firewall ${https}`, 30_000)).toMatch(
      /^stored cart on 10\.0\.0\.21:5432 at /,
    );
    // Read from the replica (the web server waits until db-02 has replayed this client's write): replication passes.
    expect(await shell.command(`curl -i ${https}`, 30_000)).toMatch(
      /^x-read-from: 10\.0\.0\.22:5432\r?$[\s\S]*^behind-the-firewall$/im,
    );
    const scan = await shell.command('scan -p 80,443,5432,8404,9187 10.0.0.2 10.0.0.21', 30_000);
    expect(scan).toMatch(/Nmap scan report for 10\.0\.0\.2\n(.*\n)*80\/tcp +open +http\n443\/tcp +open +https\n/);
    expect(scan).toMatch(/All 5 scanned ports on 10\.0\.0\.21 are in ignored states\./);
  }, 60_000);
});
