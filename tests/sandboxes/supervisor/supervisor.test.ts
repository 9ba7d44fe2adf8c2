// The supervisor as a real process: it starts a scenario's nodes as processes, and what its commands do shows in
// its event stream and in how the nodes answer.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { get, RUNTIMES, SupervisorRun } from '../../support/supervisor';
import { alive } from '../../support/sandbox-node';

let run: SupervisorRun | undefined;

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => 'answered',
    (error: { code?: string }) => error.code,
  );

// One run of two-servers serves the tests of the commands, in order; each leaves the nodes running.
describe.each(RUNTIMES)('the supervisor, $runtime', ({ constrained }) => {
  let run: SupervisorRun;
  beforeAll(async () => {
    run = await SupervisorRun.start('two-servers', { constrained });
  });
  afterAll(() => run?.stop('SIGKILL'));

  it('starts two-servers, writes its files and control.json, and answers status', async () => {
    const control = JSON.parse(readFileSync(join(run.folder, '.sandbox', 'control.json'), 'utf8'));
    expect(control).toEqual({
      port: run.controlPort,
      secret: expect.stringMatching(/^[0-9a-f]{64}$/),
      net: join(run.folder, '.sandbox', 'net'),
      client: '203.0.113.10',
    });
    expect(readFileSync(join(run.folder, 'haproxy.cfg'), 'utf8')).toContain(
      'server web-02 10.0.0.12:80 check inter 1s fall 3 rise 2',
    );

    // The stream starts with the scenario, then every goal's state, in sequence order.
    expect(run.events[0]).toMatchObject({ seq: 1, node: 'supervisor', type: 'scenario', name: 'two-servers' });
    expect(run.events.map((e) => e.seq)).toEqual(run.events.map((_, i) => i + 1));
    expect(run.events.filter((e) => e.type === 'goal').map((e) => e.type === 'goal' && [e.id, e.met])).toEqual([
      ['both-answer', false],
      ['survive-a-dead-server', false],
      ['take-the-site-down', false],
    ]);

    const status = await run.status();
    expect(status.scenario).toBe('two-servers');
    const web1 = status.nodes.find((n) => n.name === 'web-01')!;
    expect(web1).toMatchObject({ role: 'web', address: '10.0.0.11', ports: [80], program: 'web', state: 'running' });
    expect(alive(web1.pid!)).toBe(true);
    expect(status.nodes.find((n) => n.name === 'lb-01')).toMatchObject({
      role: 'balancer',
      config: 'haproxy.cfg',
      state: 'running',
    });
    expect(status.goals.map((g) => g.id)).toEqual(['both-answer', 'survive-a-dead-server', 'take-the-site-down']);
    expect(status.cuts).toEqual([]);
  });

  it('sends requests through the balancer to both servers in turn, which meets the first goal', async () => {
    for (const server of ['web-01', 'web-02'])
      await run.waitFor((e) => e.type === 'balancer.server' && e.server === server && e.usable);
    // The web servers started together and the balancer only once both listened: no check found a server still
    // starting (its connection refused), which would have marked it DOWN at once.
    const at = (match: (e: (typeof run.events)[number]) => boolean) => run.events.findIndex(match);
    const balancerStarted = at((e) => e.type === 'node.started' && e.name === 'lb-01');
    expect(at((e) => e.type === 'node.started' && e.name === 'web-02')).toBeLessThan(
      at((e) => e.type === 'web.listening' && e.node === 'web-01'),
    );
    for (const server of ['web-01', 'web-02'])
      expect(at((e) => e.type === 'web.listening' && e.node === server)).toBeLessThan(balancerStarted);
    expect(run.events.filter((e) => e.type === 'balancer.server' && e.check?.status === 'L4CON')).toEqual([]);
    const servedBy = [];
    for (let i = 0; i < 4; i++) servedBy.push((await get('10.0.0.2:80')).headers['x-served-by']);
    expect(new Set(servedBy)).toEqual(new Set(['web-01', 'web-02']));
    expect(servedBy[0]).not.toBe(servedBy[1]);
    expect(await run.goalMet('both-answer')).toMatchObject({
      met: true,
      observed: expect.stringMatching(/^through lb-01: web-01 served \d+, web-02 served \d+$/),
    });
  });

  it('kills, starts, freezes, resumes and restarts nodes, each confirmed by the node itself, and the servers behave so', async () => {
    expect((await get('10.0.0.11:80')).headers['x-served-by']).toBe('web-01');

    // The loopback port behind web-01's address, which another process may take once web-01 is gone.
    const entry = join(run.folder, '.sandbox', 'net', 'ports', '10.0.0.11_80');
    const loopbackPort = Number(readFileSync(entry, 'utf8'));
    expect(await run.command({ cmd: 'kill', node: 'web-01' })).toMatchObject({
      ok: true,
      message: expect.stringMatching(/^killed web-01 \(pid \d+\) with SIGKILL$/),
    });
    // Its address listens nowhere now: a connection to it is refused, never dialled through that port, even once
    // another program holds it (here one that accepts and never answers).
    expect(existsSync(entry)).toBe(false);
    const impostor = createServer(() => {});
    await new Promise<void>((resolve) =>
      impostor.listen(loopbackPort, '127.0.0.1', resolve).once('error', () => resolve()),
    );
    expect(await failure(get('10.0.0.11:80'))).toBe('ECONNREFUSED');
    impostor.close();
    // The supervisor records that it killed the node, whatever signal the runtime reports.
    expect(run.events.findLast((e) => e.type === 'node.exited')).toMatchObject({
      name: 'web-01',
      cause: 'killed',
      state: 'stopped',
    });
    expect(await failure(get('10.0.0.11:80'))).toBe('ECONNREFUSED');
    expect((await run.status()).nodes.find((n) => n.name === 'web-01')).toMatchObject({
      state: 'stopped',
      exit: { cause: 'killed' },
    });

    let from = run.lastSeq();
    expect(await run.command({ cmd: 'start', node: 'web-01' })).toMatchObject({
      ok: true,
      message: expect.stringMatching(/^started web-01 \(pid \d+\)$/),
    });
    // Started means it takes commands: its control channel said so before the reply.
    expect(run.events.find((e) => e.seq > from && e.node === 'web-01' && e.type === 'control.ready')).toBeDefined();
    expect((await get('10.0.0.11:80')).status).toBe(200);

    from = run.lastSeq();
    const freeze = await run.command({ cmd: 'freeze', node: 'web-02' });
    expect(freeze).toMatchObject({
      ok: true,
      message: expect.stringMatching(/^froze web-02 \(pid \d+\): it keeps its sockets open and answers nothing$/),
    });
    const frozen = await run.waitFor((e) => e.node === 'web-02' && e.type === 'control.frozen', 1000, from);
    expect(run.events.find((e) => e.seq > frozen.seq && e.type === 'node.frozen')).toMatchObject({ name: 'web-02' });
    expect((await run.status()).nodes.find((n) => n.name === 'web-02')!.state).toBe('frozen');
    // A request to the frozen server waits, unanswered; the process is alive and its port open (not refused).
    const waiting = get('10.0.0.12:80', '/', 10_000);
    expect(await failure(get('10.0.0.12:80', '/', 700))).toBe('TIMEOUT');
    from = run.lastSeq();
    expect(await run.command({ cmd: 'resume', node: 'web-02' })).toMatchObject({
      ok: true,
      message: expect.stringMatching(/^resumed web-02/),
    });
    await run.waitFor((e) => e.node === 'web-02' && e.type === 'control.resumed', 1000, from);
    expect(run.events.findLast((e) => e.type === 'node.resumed')).toMatchObject({ name: 'web-02' });
    // What arrived while it was frozen is answered once it resumes, as after SIGCONT.
    expect((await waiting).headers['x-served-by']).toBe('web-02');
    expect((await get('10.0.0.12:80')).headers['x-served-by']).toBe('web-02');

    from = run.lastSeq();
    const restart = await run.command({ cmd: 'restart', node: 'web-02' });
    expect(restart).toMatchObject({
      ok: true,
      message: expect.stringMatching(/^web-02 stopped; restarted web-02 \(pid \d+\)$/),
    });
    // A graceful stop: the node said it was stopping and exited with 0, and the supervisor records it as stopped.
    const stopping = await run.waitFor((e) => e.node === 'web-02' && e.type === 'control.stopping', 1000, from);
    expect(run.events.find((e) => e.seq > stopping.seq && e.type === 'node.exited')).toMatchObject({
      name: 'web-02',
      code: 0,
      cause: 'stopped',
      state: 'stopped',
    });
    expect((await get('10.0.0.12:80')).status).toBe(200);
  });

  it("reloads the balancer's haproxy.cfg once the balancer confirms, and reports a broken file as failed with its errors", async () => {
    const cfg = join(run.folder, 'haproxy.cfg');
    const good = readFileSync(cfg, 'utf8');
    let from = run.lastSeq();
    expect(await run.command({ cmd: 'reload', node: 'lb-01' })).toEqual({
      ok: true,
      message: 'reloaded lb-01: it re-read haproxy.cfg',
    });
    const confirmed = await run.waitFor((e) => e.node === 'lb-01' && e.type === 'control.reload', 1000, from);
    expect(confirmed).toMatchObject({ ok: true, files: ['haproxy.cfg'], errors: [] });
    expect(run.events.find((e) => e.seq > confirmed.seq && e.type === 'node.reloaded')).toMatchObject({
      name: 'lb-01',
      files: ['haproxy.cfg'],
    });

    writeFileSync(cfg, good.replace(/balance roundrobin/, 'balance sometimes'));
    try {
      from = run.lastSeq();
      const reply = await run.command({ cmd: 'reload', node: 'lb-01' });
      expect(reply).toMatchObject({
        ok: false,
        error: expect.stringMatching(
          /^lb-01 did not reload; it keeps running its previous configuration:\n\[ALERT\] +\(\d+\) : config : parsing \[haproxy\.cfg:\d+\] : balance only supports/,
        ),
      });
      expect(await run.waitFor((e) => e.node === 'lb-01' && e.type === 'control.reload', 1000, from)).toMatchObject({
        ok: false,
        files: ['haproxy.cfg'],
      });
      expect(run.events.find((e) => e.seq > from && e.type === 'node.reloaded')).toBeUndefined();
      // The running configuration is kept: both servers still answer through the balancer.
      const servedBy = new Set<string>();
      for (let i = 0; i < 4; i++) servedBy.add(String((await get('10.0.0.2:80')).headers['x-served-by']));
      expect(servedBy).toEqual(new Set(['web-01', 'web-02']));
    } finally {
      writeFileSync(cfg, good);
    }
  });

  it('says why a node could not start, in its own words: the last lines it printed before it exited', async () => {
    const cfg = join(run.folder, 'haproxy.cfg');
    const good = readFileSync(cfg, 'utf8');
    writeFileSync(cfg, good.replace(/balance roundrobin/, 'balanse roundrobin'));
    try {
      const reply = await run.command({ cmd: 'restart', node: 'lb-01' });
      if (reply.ok) throw new Error(`lb-01 started with a broken haproxy.cfg: ${reply.message}`);
      expect(reply.error.split('\n')).toEqual([
        'lb-01 exited as it started (exit code 1); it said:',
        expect.stringMatching(
          /^ {2}config : parsing \[haproxy\.cfg:\d+\] : unknown keyword 'balanse' in 'backend' section/,
        ),
        '  config : Error(s) found in configuration file : haproxy.cfg',
        '  config : Fatal errors found in configuration.',
      ]);
    } finally {
      writeFileSync(cfg, good);
    }
    expect(await run.command({ cmd: 'start', node: 'lb-01' })).toMatchObject({
      ok: true,
      message: expect.stringMatching(/^started lb-01/),
    });
  });

  it('a frozen balancer answers nothing and sends no health checks until it resumes, then catches up', async () => {
    await run.command({ cmd: 'freeze', node: 'lb-01' });
    // A check sent just before the freeze may still be answered (and logged by the server) after it: look from a
    // moment later. Two and a half check intervals (inter 1s): a running balancer would check each server twice.
    await sleep(500);
    const from = run.lastSeq();
    const waiting = get('10.0.0.2:80', '/', 10_000);
    await sleep(2500);
    expect(run.events.filter((e) => e.seq > from && e.node === 'lb-01')).toEqual([]);
    expect(run.events.filter((e) => e.seq > from && e.type === 'web.request' && e.path === '/health')).toEqual([]);
    await run.command({ cmd: 'resume', node: 'lb-01' });
    expect((await waiting).status).toBe(200);
    await run.waitFor((e) => e.type === 'web.request' && e.path === '/health', 3000, from);
  });

  it('reports a node that dies on its own as crashed', async () => {
    const { pid } = (await run.status()).nodes.find((n) => n.name === 'web-02')!;
    const from = run.lastSeq();
    process.kill(pid!, 'SIGKILL');
    const exited = await run.waitFor((e) => e.type === 'node.exited' && e.name === 'web-02', 5000, from);
    expect(exited).toMatchObject({ name: 'web-02', signal: 'SIGKILL', cause: 'exited', state: 'crashed' });
    expect((await run.status()).nodes.find((n) => n.name === 'web-02')!.state).toBe('crashed');
    expect(await run.command({ cmd: 'start', node: 'web-02' })).toMatchObject({
      ok: true,
      message: expect.stringMatching(/^started web-02/),
    });
  });

  it('cuts and heals a link: across a cut, connections are never answered', async () => {
    expect(await run.command({ cmd: 'cut', a: '203.0.113.10', b: 'web-01' })).toMatchObject({
      ok: true,
      message: 'cut the link between 203.0.113.10 (203.0.113.10) and web-01 (10.0.0.11)',
    });
    expect(run.events.findLast((e) => e.type === 'link.cut')).toMatchObject({ a: '203.0.113.10', b: 'web-01' });
    expect(await failure(get('10.0.0.11:80', '/', 700))).toBe('TIMEOUT');
    expect((await get('10.0.0.12:80')).status).toBe(200);
    expect((await run.status()).cuts).toEqual([['203.0.113.10', 'web-01']]);

    expect(await run.command({ cmd: 'heal', a: 'web-01', b: '203.0.113.10' })).toMatchObject({ ok: true });
    expect(run.events.findLast((e) => e.type === 'link.healed')).toMatchObject({ a: 'web-01', b: '203.0.113.10' });
    expect((await get('10.0.0.11:80')).status).toBe(200);
  });

  it('changes a web server behaviour and shows it in the status', async () => {
    const reply = await run.command({ cmd: 'web', node: 'web-02', behaviour: { slow_ms: 250, flaky: 0 } });
    expect(reply).toEqual({ ok: true, message: 'web-02 is now slow 250 ms' });
    expect((await run.status()).nodes.find((n) => n.name === 'web-02')!.behaviour).toEqual({
      slow_ms: 250,
      flaky: 0,
      frozen: false,
      workers: 5,
      backlog: 20,
      service_ms: 140,
    });
    const started = performance.now();
    await get('10.0.0.12:80');
    expect(performance.now() - started).toBeGreaterThanOrEqual(240);
    expect(await run.command({ cmd: 'web', node: 'lb-01', behaviour: { frozen: true } })).toEqual({
      ok: false,
      error: 'lb-01 is a balancer, not a web server',
    });
  });

  it('runs a command later when asked (after_ms), for a fault during a load', async () => {
    const [asked, from] = [performance.now(), run.lastSeq()];
    expect(await run.command({ cmd: 'kill', node: 'web-01', after_ms: 500 })).toEqual({
      ok: true,
      message: 'will kill web-01 in 0.5 s',
    });
    expect((await run.status()).nodes.find((n) => n.name === 'web-01')!.state).toBe('running');
    await run.waitFor((e) => e.type === 'node.exited' && e.name === 'web-01', 5000, from);
    expect(performance.now() - asked).toBeGreaterThanOrEqual(450);
    expect(await run.command({ cmd: 'start', node: 'web-01' })).toMatchObject({ ok: true });
  });

  it('answers bad commands with errors that say what to do, over HTTP and on stdin', async () => {
    expect(await run.command({ cmd: 'kill', node: 'web-9' })).toEqual({
      ok: false,
      error: "no node named 'web-9'; nodes are web-01, web-02, lb-01",
    });
    expect(await run.command({ cmd: 'resume', node: 'web-01' })).toEqual({ ok: false, error: 'web-01 is not frozen' });
    expect(await run.command({ cmd: 'reload', node: 'web-01' })).toEqual({
      ok: false,
      error: 'web-01 has no configuration to reload; nodes that do: lb-01',
    });
    expect(await run.command({ cmd: 'heal', a: 'web-01', b: 'web-02' })).toEqual({
      ok: false,
      error: 'the link between web-01 and web-02 is not cut; cut links: none',
    });

    const headers = { authorization: `Bearer ${run.secret}` };
    const res = await fetch(`http://127.0.0.1:${run.controlPort}/command`, {
      method: 'POST',
      body: '{"cmd":"explode"}',
      headers,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe(
      'unknown command "explode": give "cmd" as one of start, kill, freeze, resume, restart, cut, heal, reload, web, clients, status, reset, quit',
    );
    const missing = await fetch(`http://127.0.0.1:${run.controlPort}/command`, {
      method: 'POST',
      body: '{"cmd":"kill"}',
      headers,
    });
    expect(((await missing.json()) as { error: string }).error).toBe(
      "bad kill command at 'node': Invalid input: expected string, received undefined",
    );

    const before = run.lastSeq();
    run.child.stdin!.write('{"cmd":"status","id":7}\nnot json\n');
    expect(await run.waitFor((e) => e.type === 'supervisor.reply' && e.id === 7, 5000, before)).toMatchObject({
      ok: true,
      message: expect.stringContaining('web-01 running'),
    });
    expect(await run.waitFor((e) => e.type === 'supervisor.reply' && !e.ok, 5000, before)).toMatchObject({
      error: expect.stringContaining('not a JSON command: not json'),
    });
  });

  it('streams events from the control API, replaying from a sequence number', async () => {
    const res = await fetch(`http://127.0.0.1:${run.controlPort}/events?since=1`, {
      headers: { authorization: `Bearer ${run.secret}` },
    });
    const reader = res.body!.getReader();
    const { value } = await reader.read();
    await reader.cancel();
    const first = JSON.parse(new TextDecoder().decode(value).split('\n')[0]);
    expect(first).toMatchObject({ seq: 2, type: 'goal' });
  });

  it('reset restarts every node, heals the links and announces the goals again', async () => {
    await run.command({ cmd: 'kill', node: 'web-01' });
    await run.command({ cmd: 'cut', a: 'web-02', b: '*' });
    const before = run.lastSeq();
    expect(await run.command({ cmd: 'reset' })).toMatchObject({
      ok: true,
      message: expect.stringMatching(/^reset two-servers: web-01 running, web-02 running/),
    });
    await run.waitFor((e) => e.type === 'scenario', 1000, before);
    await run.waitFor((e) => e.type === 'goal' && e.id === 'both-answer' && !e.met, 1000, before);
    const status = await run.status();
    expect(status.cuts).toEqual([]);
    expect(status.nodes.filter((n) => n.role === 'web').map((n) => n.state)).toEqual(['running', 'running']);
    expect((await get('10.0.0.12:80')).status).toBe(200);
    expect(existsSync(join(run.folder, '.sandbox', 'net', 'cut'))).toBe(false);
  });
});

describe('a session folder used again (the next lesson on the same runtime)', () => {
  afterEach(async () => {
    await run?.stop('SIGKILL');
    run = undefined;
  });

  it("starts the next scenario afresh: the earlier scenario's lab files, databases and network state are gone", async () => {
    const first = await SupervisorRun.start('failover');
    const folder = first.folder;
    await first.waitFor((e) => e.type === 'store.ready' && e.node === 'db-02', 30_000);
    expect(existsSync(join(folder, 'failover.conf'))).toBe(true);
    expect(existsSync(join(folder, '.sandbox', 'data', 'db-01'))).toBe(true);
    // Killed outright, as a crashed runtime would leave it: nothing was cleaned up.
    await first.stop('SIGKILL', { keepFolder: true });

    run = await SupervisorRun.start('two-servers', { folder });
    expect(existsSync(join(folder, 'failover.conf'))).toBe(false);
    expect(existsSync(join(folder, '.sandbox', 'data'))).toBe(false);
    expect(existsSync(join(folder, 'haproxy.cfg'))).toBe(true);
    expect((await run.status()).nodes.map((n) => n.name)).toEqual(['web-01', 'web-02', 'lb-01']);
    expect((await get('10.0.0.2:80')).status).toBe(200);
  }, 90_000);
});

describe('a node that starts stopped (a switched-off server the learner adds)', () => {
  afterEach(async () => {
    await run?.stop('SIGKILL');
    run = undefined;
  });

  it('is left stopped at start and after a reset, lb-01 marks it DOWN, and `start` brings it up and into rotation', async () => {
    run = await SupervisorRun.start('scale-out');
    const states = async () => Object.fromEntries((await run!.status()).nodes.map((n) => [n.name, n.state]));
    expect(await states()).toEqual({
      'web-01': 'running',
      'web-02': 'stopped',
      'web-03': 'stopped',
      'lb-01': 'running',
    });
    expect(run.events.find((e) => e.type === 'scenario')).toMatchObject({
      nodes: expect.arrayContaining([expect.objectContaining({ name: 'web-03', stopped: true })]),
    });
    await run.waitFor((e) => e.type === 'balancer.server' && e.server === 'web-02' && e.transition === 'DOWN', 10_000);
    expect(await failure(get('10.0.0.12:80'))).toBe('ECONNREFUSED');

    const before = run.lastSeq();
    expect(await run.command({ cmd: 'start', node: 'web-02' })).toMatchObject({ ok: true });
    await run.waitFor(
      (e) => e.type === 'balancer.server' && e.server === 'web-02' && e.transition === 'UP',
      10_000,
      before,
    );

    expect(await run.command({ cmd: 'reset' })).toMatchObject({
      ok: true,
      message: 'reset scale-out: web-01 running, web-02 stopped, web-03 stopped, lb-01 running',
    });
  }, 90_000);
});

describe('stopping the supervisor', () => {
  afterEach(async () => {
    await run?.stop('SIGKILL');
    run = undefined;
  });

  it('leaves no process behind when stopped with SIGTERM', async () => {
    run = await SupervisorRun.start('two-servers');
    const pids = run.pids();
    expect(pids.length).toBeGreaterThanOrEqual(2);
    await run.stop('SIGTERM');
    run = undefined;
    expect(pids.filter(alive)).toEqual([]);
  }, 60_000);

  it('leaves no process behind even when killed with SIGKILL: the nodes see their stdin close and exit', async () => {
    // The capstone runs every program: web, keepalived with HAProxy, the store's primary, standby and monitor, mon-01, and Prometheus, prom-01.
    run = await SupervisorRun.start('capstone');
    const pids = run.pids();
    await run.stop('SIGKILL');
    run = undefined;
    for (let i = 0; i < 50 && pids.some(alive); i++) await sleep(100);
    expect(pids.filter(alive)).toEqual([]);
  }, 60_000);
});
