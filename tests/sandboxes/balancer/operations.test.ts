// Operating the balancer while it runs: the runtime API, the stats page, the Prometheus exporter, and reload.
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import {
  freePort,
  get,
  haproxyCfg,
  isRequest,
  runtime,
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

async function setup(extra: { backend?: string[]; frontend?: string[]; tail?: string } = {}) {
  const backends = await Promise.all(['app1', 'app2'].map((n) => startBackend(n)));
  running.backends.push(...backends);
  const [port, api, stats] = [await freePort(), await freePort(), await freePort()];
  const config =
    haproxyCfg({
      port,
      global: [`stats socket ipv4@127.0.0.1:${api} level admin`],
      frontend: extra.frontend,
      backend: extra.backend ?? ['balance roundrobin'],
      servers: backends.map((b) => `server ${b.name} 127.0.0.1:${b.port} check inter 1s`),
    }) + `\nlisten stats\n    bind 127.0.0.1:${stats}\n    stats enable\n    stats uri /\n${extra.tail ?? ''}`;
  const lb = await startBalancer(config);
  running.balancers.push(lb);
  return { lb, port, api, stats, backends, config };
}

const servedBy = async (port: number, n: number) => {
  const names: string[] = [];
  for (let i = 0; i < n; i++) names.push(String((await get(port)).headers['x-served-by']));
  return names;
};

describe('the runtime API (stats socket)', () => {
  it("shows the stats as CSV with HAProxy's columns", async () => {
    const { api, port } = await setup();
    await servedBy(port, 4);
    const csv = await runtime(api, 'show stat');
    const [header, ...rows] = csv.trimEnd().split('\n');
    expect(
      header.startsWith(
        '# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,',
      ),
    ).toBe(true);
    const columns = header.slice(2).split(',');
    const row = (px: string, sv: string) =>
      Object.fromEntries(
        rows
          .map((r) => r.split(','))
          .find((r) => r[0] === px && r[1] === sv)!
          .map((v, i) => [columns[i], v]),
      );
    expect(row('be_app', 'app1')).toMatchObject({
      status: 'UP',
      weight: '1',
      act: '1',
      bck: '0',
      lbtot: '2',
      hrsp_2xx: '2',
      type: '2',
      addr: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
    });
    expect(row('be_app', 'BACKEND')).toMatchObject({ status: 'UP', act: '2', algo: 'roundrobin', type: '1' });
    expect(row('fe_web', 'FRONTEND')).toMatchObject({ status: 'OPEN', type: '0' });
    expect(csv.endsWith(',\n\n')).toBe(true);
  });

  it("puts a server in maintenance and back, with HAProxy's replies and log lines", async () => {
    const { lb, api, port } = await setup();
    expect(await runtime(api, 'disable server be_app/app1')).toBe('\n');
    expect(await servedBy(port, 3)).toEqual(['app2', 'app2', 'app2']);
    expect(await runtime(api, 'show stat')).toMatch(/\nbe_app,app1,(?:[^,]*,){15}MAINT,/);
    expect(lb.logs()).toContain(
      'Server be_app/app1 is going DOWN for maintenance. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
    );
    expect(await runtime(api, 'enable server be_app/app1')).toBe('\n');
    expect(lb.logs()).toContain('Server be_app/app1 is UP/READY (leaving forced maintenance).');
    expect(new Set(await servedBy(port, 4))).toEqual(new Set(['app1', 'app2']));
  });

  it('drains a server with set server ... state drain, and changes weights', async () => {
    const { lb, api, port } = await setup();
    expect(await runtime(api, 'set server be_app/app2 state drain')).toBe('\n');
    expect(await servedBy(port, 3)).toEqual(['app1', 'app1', 'app1']);
    expect(lb.logs()).toContain(
      'Server be_app/app2 enters drain state. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.',
    );
    expect(await runtime(api, 'set server be_app/app2 state ready')).toBe('\n');
    expect(lb.logs()).toContain('Server be_app/app2 is UP (leaving forced drain).');
    expect(await runtime(api, 'set server be_app/app1 weight 3')).toBe('\n');
    expect(await runtime(api, 'get weight be_app/app1')).toBe('3 (initial 1)\n\n');
    const counts = (await servedBy(port, 8)).reduce<Record<string, number>>(
      (c, n) => ({ ...c, [n]: (c[n] ?? 0) + 1 }),
      {},
    );
    expect(counts).toEqual({ app1: 6, app2: 2 });
  });

  it("answers mistakes with HAProxy's sentences, and runs several commands separated by ;", async () => {
    const { api } = await setup();
    expect(await runtime(api, 'disable server be_app/app9')).toBe('No such server.\n\n');
    expect(await runtime(api, 'disable server be_nope/app1')).toBe('No such backend.\n\n');
    expect(await runtime(api, 'disable server app1')).toBe("Require 'backend/server'.\n\n");
    expect(await runtime(api, 'set server be_app/app1 state sleeping')).toBe(
      "'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n\n",
    );
    expect(await runtime(api, 'set server be_app/app1 weight 300')).toBe(
      'Absolute weight can only be between 0 and 256 inclusive.\n\n',
    );
    expect(await runtime(api, 'shwo stat')).toMatch(
      /^Unknown command, but maybe one of the following ones is a better match:\n {2}show stat /,
    );
    expect(await runtime(api, 'frobnicate')).toMatch(
      /^Unknown command\. Please enter one of the following commands only:\n {2}help/,
    );
    expect(await runtime(api, 'set server be_app/app1 colour blue')).toMatch(
      /^usage: set server <backend>\/<server> addr \| agent /,
    );
    expect(await runtime(api, 'get weight be_app/app1; get weight be_app/app2')).toBe(
      '1 (initial 1)\n\n1 (initial 1)\n\n',
    );
    expect(await runtime(api, 'show servers state be_app')).toMatch(
      /^1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state .*\n1 be_app 1 app1 127\.0\.0\.1 2 0 1 1 \d+ /,
    );
  });
});

describe('the stats page and the Prometheus exporter', () => {
  it('serves the HTML page and its ;csv on the stats uri', async () => {
    const { stats } = await setup();
    const page = await get(stats, '/');
    expect(page.headers['content-type']).toBe('text/html');
    expect(page.body).toContain('<title>Statistics Report for HAProxy</title>');
    expect(page.body).toContain('active UP, going down');
    expect(page.body).toContain('<td>app1</td>');
    const csv = await get(stats, '/;csv');
    expect(csv.body.startsWith('# pxname,svname,')).toBe(true);
    expect(csv.body).toContain('\nbe_app,app2,');
  });

  it("exposes the exporter's metric names with one-hot status labels", async () => {
    const { port, api } = await setup({
      frontend: ['http-request use-service prometheus-exporter if { path /metrics }'],
    });
    await servedBy(port, 2);
    await runtime(api, 'disable server be_app/app2');
    const metrics = (await get(port, '/metrics')).body;
    expect(metrics).toContain('# TYPE haproxy_server_status gauge');
    expect(metrics).toContain('haproxy_server_status{proxy="be_app",server="app1",state="UP"} 1');
    expect(metrics).toContain('haproxy_server_status{proxy="be_app",server="app2",state="MAINT"} 1');
    expect(metrics).toContain('haproxy_server_status{proxy="be_app",server="app2",state="UP"} 0');
    expect(metrics).toContain('haproxy_backend_active_servers{proxy="be_app"} 1');
    expect(metrics).toContain('haproxy_backend_http_responses_total{proxy="be_app",code="2xx"} 2');
    expect(metrics).toMatch(/^haproxy_server_check_failures_total\{proxy="be_app",server="app1"\} 0$/m);
  });
});

describe('reload', () => {
  it('re-reads the config on a `reload` line on its stdin, confirms it, and drops no request in flight', async () => {
    let release: () => void = () => undefined;
    const slow = await startBackend('slow', (_req: http.IncomingMessage, res: http.ServerResponse) => {
      release = () => res.end('slow\n');
    });
    const fast = await startBackend('fast');
    running.backends.push(slow, fast);
    const port = await freePort();
    const config = (server: Backend) =>
      haproxyCfg({
        port,
        backend: ['balance roundrobin'],
        servers: [`server ${server.name} 127.0.0.1:${server.port}`],
      });
    const lb = await startBalancer(config(slow));
    running.balancers.push(lb);

    const inFlight = get(port);
    while (slow.hits === 0) await new Promise((r) => setTimeout(r, 10));
    lb.writeConfig(config(fast));
    const from = lb.events.length;
    lb.child.stdin!.write('reload\n');
    expect(await lb.waitFor((e) => e.type === 'control.reload', 5000, from)).toMatchObject({
      ok: true,
      files: [expect.stringMatching(/haproxy\.cfg$/)],
      errors: [],
    });
    expect((await get(port)).body).toBe('fast\n');
    release();
    expect(await inFlight).toMatchObject({ status: 200, body: 'slow\n' });
    await lb.waitFor(() => lb.events.filter(isRequest).length === 2);
    const served = lb.events.filter(isRequest).map((e) => e.server);
    expect(served).toEqual(['fast', 'slow']);
  });

  it('keeps answering requests while it checks a large new config (about 1 MB), then refuses it and keeps the running one', async () => {
    const { lb, port, config } = await setup();
    // 25,000 servers, then a mistake on the last line: the whole file is parsed before the reload is refused.
    const servers = Array.from(
      { length: 25_000 },
      (_, i) => `    server extra${i} 127.0.0.1:${10_000 + (i % 50_000)} check inter 2s fall 3 rise 2`,
    ).join('\n');
    lb.writeConfig(`${config}\nbackend be_big\n${servers}\n    balance roundrobn\n`);
    const from = lb.events.length;
    let checking = true;
    const answeredWhileChecking: number[] = [];
    const traffic = (async () => {
      while (checking) {
        const answer = await get(port);
        if (checking && answer.status === 200) answeredWhileChecking.push(Date.now());
      }
    })();
    const sent = Date.now();
    lb.child.stdin!.write('reload\n');
    const reload = await lb.waitFor((e) => e.type === 'control.reload', 60_000, from);
    const tookMs = Date.now() - sent;
    checking = false;
    await traffic;
    expect(reload).toMatchObject({
      ok: false,
      errors: expect.arrayContaining([expect.stringMatching(/balance only supports 'roundrobin'/)]),
    });
    // A parse that held the event loop from start to end would let no request through: here requests kept being
    // answered while the check ran, beyond the first moments (before the balancer had read the line).
    expect(tookMs).toBeGreaterThan(100);
    expect(answeredWhileChecking.filter((t) => t - sent > 50).length).toBeGreaterThan(0);
    expect(new Set(await servedBy(port, 4))).toEqual(new Set(['app1', 'app2']));
  });

  it('refuses a config that fails the check, says why, and keeps the running one', async () => {
    const { lb, port, api, config } = await setup();
    lb.writeConfig(config.replace('balance roundrobin', 'balance roundrobn'));
    const reply = await runtime(api, 'reload');
    expect(reply).toMatch(/^Success=0\n--\n/);
    expect(reply).toMatch(/config : parsing \[haproxy\.cfg:\d+\] : balance only supports 'roundrobin'/);
    await lb.waitFor((e) => e.type === 'balancer.reload' && !e.ok);
    expect(new Set(await servedBy(port, 4))).toEqual(new Set(['app1', 'app2']));
    lb.writeConfig(config);
    expect(await runtime(api, 'reload')).toBe('Success=1\n--\n\n');
  });
});

describe('rate limiting with a stick table', () => {
  it('answers 429 once a client passes sc_http_req_rate(0), counts it in the table, and serves other clients', async () => {
    const [app1] = await Promise.all([startBackend('app1')]);
    running.backends.push(app1);
    const [port, api] = [await freePort(), await freePort()];
    const lb = await startBalancer(
      haproxyCfg({
        port,
        global: [`stats socket ipv4@127.0.0.1:${api} level admin`],
        frontend: [
          'stick-table type ip size 100k expire 30s store http_req_rate(10s)',
          'http-request track-sc0 src',
          'http-request deny deny_status 429 if { sc_http_req_rate(0) gt 3 }',
        ],
        backend: ['balance roundrobin'],
        servers: [`server app1 127.0.0.1:${app1.port}`],
      }),
    );
    running.balancers.push(lb);
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await get(port)).status);
    // The request being tracked counts: the 4th request of the period is the first over 3.
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const denied = await get(port);
    expect(denied.body).toBe(
      '<html><body><h1>429 Too Many Requests</h1>\nYou have sent too many requests in a given amount of time.\n</body></html>\n',
    );
    expect(await runtime(api, 'show table fe_web')).toMatch(
      /^# table: fe_web, type: ip, size:102400, used:1\n0x[0-9a-f]+: key=127\.0\.0\.1 use=0 exp=\d+ http_req_rate\(10000\)=6\n\n$/,
    );
    await lb.waitFor(() => lb.events.filter(isRequest).length === 6);
    expect(lb.events.filter(isRequest).at(-1)).toMatchObject({
      backend: 'fe_web',
      server: null,
      status: 429,
      termination: 'PR--',
    });
    expect(await runtime(api, 'show stat')).toMatch(/\nfe_web,FRONTEND,(?:[^,]*,){8}3,/); // dreq: 3 denied
  });
});
