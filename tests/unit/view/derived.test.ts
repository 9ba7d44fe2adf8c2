import { describe, expect, it } from 'vitest';
import { healthFromLog } from '../../../src/sandbox/view/health-log';
import { observe, emptyTraffic, percentile, series, WINDOW_SECONDS } from '../../../src/sandbox/view/traffic';
import { describe as sentence } from '../../../src/sandbox/view/sentences';
import { chaosScript } from '../../../src/sandbox/view/chaos';
import { layout, CLIENT } from '../../../src/sandbox/view/layout';
import { links } from '../../../src/sandbox/view/topology-links';
import { reduceAll } from '../../../src/sandbox/view/state';
import { commandSchema } from '../../../sandboxes/contracts/commands';
import { stream, twoServers, webRequest } from './stream';

describe("HAProxy's health lines read as stats states", () => {
  it.each([
    [
      'Health check for server be_app/web-02 failed, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms, status: 2/3 UP.',
      'UP 2/3',
    ],
    [
      'Health check for server be_app/web-02 failed, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms, status: 0/2 DOWN.',
      'DOWN',
    ],
    [
      'Health check for server be_app/web-02 succeeded, reason: Layer7 check passed, code: 200, check duration: 12ms, status: 1/2 DOWN.',
      'DOWN 1/2',
    ],
    [
      'Health check for server be_app/web-02 succeeded, reason: Layer7 check passed, code: 200, check duration: 1ms, status: 3/3 UP.',
      'UP',
    ],
    [
      'Server be_app/web-02 is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms. 2 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
      'DOWN',
    ],
    [
      'Server be_app/web-02 is UP, reason: Layer7 check passed, code: 200, check duration: 1ms. 3 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.',
      'UP',
    ],
  ])('%s → %s', (text, check) => {
    expect(healthFromLog(text)).toEqual({ backend: 'be_app', server: 'web-02', check });
  });

  it('ignores lines that are not about a server', () => {
    expect(healthFromLog("backend 'be_app' has no server available!")).toBeUndefined();
  });
});

describe('traffic per second', () => {
  const ok = (time: number, server = 'web-01', duration_ms = 5) => ({
    time,
    server,
    outcome: 'ok' as const,
    duration_ms,
  });

  it('counts requests per server and second, and the share of errors', () => {
    let t = emptyTraffic();
    for (const r of [ok(100), ok(200, 'web-02'), ok(1500), { ...ok(1600), outcome: 'error' as const }])
      t = observe(t, r);
    const s = series(t, ['web-01', 'web-02'], [], 0, 2);
    expect(s.seconds).toEqual([0, 1, 2]);
    expect(s.perServer).toEqual({ 'web-01': [1, 2, 0], 'web-02': [1, 0, 0] });
    expect(s.errorRate).toEqual([0, 50, null]);
  });

  it('gives p95 by nearest rank and forgets seconds older than its window', () => {
    expect(
      percentile(
        Array.from({ length: 100 }, (_, i) => i + 1),
        95,
      ),
    ).toBe(95);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 95)).toBeUndefined();
    let t = observe(emptyTraffic(), ok(0));
    t = observe(t, ok(WINDOW_SECONDS * 1000 + 1));
    expect(t.buckets.map((b) => b.second)).toEqual([WINDOW_SECONDS]);
  });
});

describe('event sentences', () => {
  const [scenario, kill, cut, req] = stream(
    [0, 'supervisor', twoServers],
    [
      1,
      'supervisor',
      { type: 'node.exited', name: 'web-01', code: null, signal: 'SIGKILL', cause: 'killed', state: 'stopped' },
    ],
    [2, 'supervisor', { type: 'link.cut', a: 'lb-01', b: '*' }],
    [3, 'web-02', webRequest(503, '10.0.0.2')],
  );

  it('says what happened in one plain sentence', () => {
    expect(sentence(scenario)?.text).toBe(
      'Scenario "Two servers behind a balancer" starts: lb-01 (10.0.0.2), web-01 (10.0.0.11), web-02 (10.0.0.12).',
    );
    expect(sentence(kill)).toMatchObject({
      category: 'process',
      level: 'error',
      text: 'web-01 stopped: killed by SIGKILL.',
    });
    expect(sentence(cut)?.text).toBe('The link between lb-01 and every node is cut: packets across it are lost.');
    expect(sentence(req)).toMatchObject({
      category: 'request',
      level: 'error',
      text: 'web-02 answered GET / from 10.0.0.2 with 503 in 3 ms.',
    });
  });

  it("files HAProxy's httplog lines under requests", () => {
    const text =
      '203.0.113.10:40000 [25/Nov/2026:14:00:00.000] fe_web be_app/<NOSRV> 0/-1/-1/-1/0 503 217 - - SC-- 1/1/0/0/0 0/0 "GET / HTTP/1.1"';
    expect(sentence({ type: 'log', level: 'info', text, seq: 5, time: 9, node: 'lb-01' })).toMatchObject({
      category: 'request',
      level: 'error',
      text,
    });
  });

  it("shows the real tool's own log text unchanged", () => {
    const text =
      'Server be_app/web-01 is DOWN, reason: Layer4 timeout, check duration: 2001ms. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.';
    expect(sentence({ type: 'log', level: 'warning', text, seq: 5, time: 9, node: 'lb-01' })).toMatchObject({
      category: 'health',
      level: 'error',
      text,
    });
  });
});

describe('the chaos sequence', () => {
  it('is the same valid supervisor commands every time, in time order, each undone later', () => {
    const script = chaosScript(twoServers.nodes);
    expect(chaosScript(twoServers.nodes)).toEqual(script);
    for (const step of script) expect(commandSchema.safeParse(step.command).success).toBe(true);
    expect(script.map((s) => s.at_ms)).toEqual([...script.map((s) => s.at_ms)].sort((a, b) => a - b));
    expect(script.map((s) => s.command.cmd)).toEqual(['freeze', 'resume', 'kill', 'start', 'cut', 'heal']);
    expect(script[2].command).toEqual({ cmd: 'kill', node: 'web-02' });
  });
});

describe('the topology layout', () => {
  it('puts tiers left to right in the order a request travels and links them', () => {
    const nodes = [
      ...twoServers.nodes,
      ...[1, 2].map((n) => ({
        name: `db-0${n}`,
        role: 'store',
        address: `10.0.0.2${n}`,
        ports: [5432],
        program: 'store',
      })),
    ];
    const { placed } = layout(nodes);
    const edges = links(reduceAll(stream([0, 'supervisor', { ...twoServers, nodes }])));
    const x = (n: string) => placed.find((p) => p.name === n)!.x;
    expect(x(CLIENT)).toBeLessThan(x('lb-01'));
    expect(x('lb-01')).toBeLessThan(x('web-01'));
    expect(x('web-01')).toBe(x('web-02'));
    expect(x('web-01')).toBeLessThan(x('db-01'));
    expect(x('db-01')).toBeLessThan(x('db-02'));
    expect(edges).toContainEqual({ from: 'lb-01', to: 'web-02', kind: 'traffic' });
    expect(edges).toContainEqual({ from: 'db-01', to: 'db-02', kind: 'replication' });
  });

  it('sends the client straight to the web servers when there is no balancer', () => {
    const edges = links(reduceAll(stream([0, 'supervisor', { ...twoServers, nodes: [twoServers.nodes[1]] }])));
    expect(edges).toEqual([{ from: CLIENT, to: 'web-01', kind: 'traffic' }]);
  });
});

import { lagText, processText, roleText, statusText } from '../../../src/sandbox/view/node-text';

describe('how a node is put into words', () => {
  const web = { name: 'web-01', role: 'web', address: '10.0.0.11', ports: [80] };

  it('separates what the process does from what the balancer thinks of it', () => {
    const killed = { ...web, process: 'stopped' as const, check: 'UP 1/3' };
    expect([roleText(killed), processText(killed).text]).toEqual(['web server', 'STOPPED']);
    expect(statusText(killed)).toEqual({ text: 'LB: UP 1/3', tone: 'warn' });
    expect(statusText({ ...killed, check: 'DOWN' })).toEqual({ text: 'LB: DOWN', tone: 'down' });
    expect(processText({ ...web, process: 'frozen' })).toEqual({ text: 'FROZEN', tone: 'warn' });
  });

  it('names a replica by its role, replay position and lag', () => {
    const replica = {
      ...web,
      name: 'db-02',
      role: 'store',
      process: 'running' as const,
      replication: { role: 'replica' as const, lsn: 300, timeline: 1, replay_lsn: 0x180, lag_bytes: 120, lag_ms: 40 },
    };
    expect([roleText(replica), statusText(replica)?.text, lagText(replica)]).toEqual([
      'replica',
      'replay 0/180',
      'lag 120 B / 40 ms',
    ]);
  });
});
