// The views against what happened (issue 13): roles and addresses per VRRP instance, nothing for a dead node, each
// balancer's own rate, and the clients' failures (refused, timed out) counted as errors, from recorded and built
// event streams.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { SandboxEvent } from '../../../sandboxes/contracts/events/index';
import { parseCommand, type ClientReport } from '../../../sandboxes/contracts/commands';
import { describe as sentence } from '../../../src/sandbox/view/sentences';
import { caption, plotted } from '../../../src/sandbox/view/chart-text';
import { heldVips, processText, roleText, statusText } from '../../../src/sandbox/view/node-text';
import { Replay } from '../../../src/sandbox/view/replay';
import { reduceAll, type ViewState } from '../../../src/sandbox/view/state';
import { lastSecondRates } from '../../../src/sandbox/view/topology';
import { series } from '../../../src/sandbox/view/traffic';
import { request, stream, twoServers, webRequest, type Unstamped } from './stream';

const recorded = (file: string): SandboxEvent[] =>
  readFileSync(new URL(`./fixtures/${file}`, import.meta.url), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));

const node = (state: ViewState, name: string) => state.nodes.find((n) => n.name === name)!;
/** The words a node is drawn with, as the topology writes them. */
const words = (state: ViewState, name: string) => {
  const n = node(state, name);
  return { role: roleText(n), process: processText(n).text, status: statusText(n)?.text, vips: heldVips(state, name) };
};

// `node sandboxes/dist/supervisor.js --scenario active-active`: both balancers become MASTER of their instance,
// then lb-01 is killed (seq 95) and lb-02 takes VI_1 over (seq 113).
describe('a recorded active/active run', () => {
  const events = recorded('active-active-kill.jsonl');
  const replay = new Replay(events);
  const before = (seq: number) => replay.stateAfter(events.findIndex((e) => e.seq === seq));

  it('shows lb-01 as MASTER of VI_1 holding 10.0.0.10 and BACKUP of VI_2, and lb-02 the other way round', () => {
    const state = before(95);
    expect(words(state, 'lb-01')).toEqual({
      role: 'balancer' as const,
      process: 'running',
      status: 'MASTER VI_1 · BACKUP VI_2',
      vips: ['10.0.0.10'],
    });
    expect(words(state, 'lb-02')).toEqual({
      role: 'balancer' as const,
      process: 'running',
      status: 'BACKUP VI_1 · MASTER VI_2',
      vips: ['10.0.0.20'],
    });
  });

  it('shows the killed lb-01 stopped with no role and no address, 10.0.0.10 held by nobody until lb-02 takes it', () => {
    const dead = replay.stateAfter(events.findIndex((e) => e.seq === 95) + 1);
    expect(words(dead, 'lb-01')).toEqual({
      role: 'balancer' as const,
      process: 'STOPPED',
      status: undefined,
      vips: [],
    });
    expect(dead.vips).toContainEqual({ address: '10.0.0.10', instance: 'VI_1', owner: undefined });
    const after = reduceAll(events);
    expect(words(after, 'lb-02')).toMatchObject({
      status: 'MASTER VI_1 · MASTER VI_2',
      vips: ['10.0.0.10', '10.0.0.20'],
    });
    expect(words(after, 'lb-01').status).toBeUndefined();
  });
});

describe('a dead node', () => {
  const pair = {
    ...twoServers,
    nodes: [
      ...twoServers.nodes,
      { name: 'lb-02', role: 'balancer' as const, address: '10.0.0.3', ports: [80], program: 'balancer' },
    ],
  };
  const vrrp = (state: 'MASTER' | 'BACKUP') =>
    ({
      type: 'vrrp.state',
      instance: 'VI_1',
      vrid: 51,
      state,
      priority: 100,
      vips: ['10.0.0.10'] as string[],
    }) as const;
  const killed = (name: string) =>
    ({ type: 'node.exited', name, code: null, signal: 'SIGKILL', cause: 'killed', state: 'stopped' }) as const;

  it("reads STOPPED without its former MASTER role, and shows no other balancer's requests as its own", () => {
    const state = reduceAll(
      stream(
        [0, 'supervisor', pair],
        [100, 'lb-01', vrrp('MASTER')],
        [200, 'lb-02', vrrp('BACKUP')],
        [1000, 'supervisor', killed('lb-01')],
        [4600, 'lb-02', vrrp('MASTER')],
        ...[5000, 5100, 5200].map((t) => [t, 'lb-02', request(200)] as [number, string, ReturnType<typeof request>]),
        [6000, 'lb-02', request(200)],
      ),
    );
    expect(`${processText(node(state, 'lb-01')).text} · ${statusText(node(state, 'lb-01'))?.text ?? ''}`).toBe(
      'STOPPED · ',
    );
    expect(Object.fromEntries(lastSecondRates(state))).toEqual({ 'lb-02': 3, 'web-01': 3 });
  });

  it('is no primary once stopped', () => {
    const db = {
      ...twoServers,
      nodes: [{ name: 'db-01', role: 'store' as const, address: '10.0.0.21', ports: [5432], program: 'store' }],
    };
    const state = reduceAll(
      stream(
        [0, 'supervisor', db],
        [1, 'db-01', { type: 'store.ready', address: '', role: 'primary', timeline: 1, mode: 'async', lsn: 100 }],
        [2, 'supervisor', killed('db-01')],
      ),
    );
    expect([roleText(node(state, 'db-01')), statusText(node(state, 'db-01'))]).toEqual(['database', undefined]);
  });
});

describe("the clients' failures", () => {
  const report = (sent: number, seen: Partial<ClientReport>): Extract<Unstamped, { type: 'client.requests' }> => ({
    type: 'client.requests',
    url: 'http://10.0.0.2/',
    interval_ms: 1000,
    sent,
    answered: { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 },
    refused: 0,
    timed_out: 0,
    reset: 0,
    other: 0,
    p95_ms: null,
    ...seen,
  });
  const ok = (n: number) => ({ answered: { '2xx': n, '3xx': 0, '4xx': 0, '5xx': 0 }, p95_ms: 3 });

  it('count a killed balancer as 100 % errors although no node logs a single request', () => {
    // spof: load -r 20, then lb-01 dies at 2.5 s: from then on every connection is refused.
    const events = stream(
      [0, 'supervisor', twoServers],
      ...[1000, 2000].map((t) => [t, 'clients', report(20, ok(20))] as [number, string, Unstamped]),
      ...Array.from(
        { length: 20 },
        (_, i) => [1000 + i * 50, 'lb-01', request(200)] as [number, string, ReturnType<typeof request>],
      ),
      [
        2500,
        'supervisor',
        { type: 'node.exited', name: 'lb-01', code: null, signal: 'SIGKILL', cause: 'killed', state: 'stopped' },
      ],
      [3000, 'clients', report(20, { ...ok(10), refused: 10 })],
      [4000, 'clients', report(20, { refused: 20 })],
      [5000, 'clients', report(20, { refused: 20 })],
      [6100, 'supervisor', { type: 'link.cut', a: 'x', b: 'y' }],
    );
    const state = reduceAll(events);
    const s = series(state.traffic, ['web-01', 'web-02'], [], 0, 6);
    expect(s.errorRate).toEqual([0, 0, 50, 100, 100, null, null]);
    expect(caption('errors', s.errorRate.slice(0, 6), s.seconds.slice(0, 6), ' %')).toBe('errors 100 %');
    expect(s.perServer['web-01']).toEqual([0, 20, 0, 0, 0, 0, 0]);
    // The plot ends where the caption reads: at second 4, the last complete one of 0-5 (5 is under way), 100 %.
    const [seconds, rates] = plotted([s.seconds.slice(0, 6), s.errorRate.slice(0, 6)]);
    expect([seconds.at(-1), rates.at(-1)]).toEqual([4, 100]);
  });

  it('count timeouts and resets, against what completed when more completed than was sent', () => {
    const state = reduceAll(
      stream(
        [0, 'supervisor', twoServers],
        [1000, 'clients', report(10, { ...ok(5), timed_out: 3, reset: 2 })],
        [2000, 'clients', report(0, { timed_out: 10 })],
      ),
    );
    expect(series(state.traffic, [], [], 0, 1).errorRate).toEqual([50, 100]);
  });

  it('are told in the event log as the clients saw them, and a malformed report is refused with the field named', () => {
    const [event] = stream([4000, 'clients', report(20, { refused: 18, timed_out: 2 })]);
    expect(sentence(event)).toMatchObject({
      category: 'request',
      level: 'error',
      text: 'The clients sent 20 requests to http://10.0.0.2/ in 1.0 s: 18 refused (connection refused), 2 timed out.',
    });
    const [fine] = stream([5000, 'clients', report(20, ok(20))]);
    expect(sentence(fine)).toBeUndefined();
    const { type: _, ...body } = report(20, { refused: -1 });
    expect(parseCommand({ cmd: 'clients', report: body })).toEqual({
      error: "bad clients command at 'report.refused': Too small: expected number to be >=0",
    });
  });

  it('never caption a chart that plots a line with "no data"', () => {
    expect(caption('errors', [null, 100, 100, null, null, null], [0, 1, 2, 3, 4, 5], ' %')).toBe(
      'errors 100 % (last at 2 s)',
    );
    expect(caption('errors', [null, null], [0, 1], ' %')).toBe('errors: nothing measured yet');
    expect(caption('p95', [4, 4.25, 9], [7, 8, 9], ' ms')).toBe('p95 4.3 ms');
  });
});

describe('the event log', () => {
  it("keeps health check requests apart from the requests a lesson reads, and files the balancer's log line as a request", () => {
    const [check, scrape, app, httplog] = stream(
      [1, 'web-01', webRequest(200, '10.0.0.2', '/health')],
      [2, 'web-01', webRequest(200, '10.0.0.31', '/metrics')],
      [3, 'web-01', webRequest(200, '10.0.0.2')],
      [
        4,
        'lb-01',
        {
          type: 'log',
          level: 'info',
          text: '203.0.113.10:40000 [05/Dec/2026:08:00:00.000] fe_web be_app/web-01 0/0/1/1/2 200 138 - - ---- 1/1/0/0/0 0/0 "GET / HTTP/1.1"',
        },
      ],
    );
    expect([check, scrape, app, httplog].map((e) => sentence(e)?.category)).toEqual([
      'check',
      'check',
      'request',
      'request',
    ]);
  });
});
