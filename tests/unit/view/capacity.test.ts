// What the topology says about a web server's capacity: its busy workers, its queue and its refusals, from the
// server's per-second `web.pool` samples, and a switched-off server drawn as stopped from the start.
import { describe, expect, it } from 'vitest';
import { reduce, reduceAll } from '../../../src/sandbox/view/state';
import { poolText, processText } from '../../../src/sandbox/view/node-text';
import { stream, twoServers } from './stream';

const pool = (busy: number, queued: number, refused: number) =>
  ({ type: 'web.pool', workers: 5, backlog: 20, busy, queued, max_queued: queued, started: busy, refused }) as const;
const started = (name: string, address: string) => ({ type: 'node.started', name, pid: 100, address }) as const;

describe("the view of a web server's capacity", () => {
  it('shows the latest pool sample of each server: busy workers, then a queue, then refusals', () => {
    const events = stream(
      [0, 'supervisor', twoServers],
      [1, 'supervisor', started('web-01', '10.0.0.11')],
      [2, 'supervisor', started('web-02', '10.0.0.12')],
      [1000, 'web-01', pool(3, 0, 0)],
      [2000, 'web-01', pool(5, 12, 0)],
      [2000, 'web-02', pool(2, 0, 0)],
      [3000, 'web-01', pool(5, 20, 14)],
    );
    const texts = events.map((_, i) => {
      const web1 = reduceAll(events.slice(0, i + 1)).nodes[1];
      return [poolText(web1), processText(web1).text, processText(web1).tone];
    });
    expect(texts).toEqual([
      [undefined, 'starting…', 'idle'],
      [undefined, 'running', 'ok'],
      [undefined, 'running', 'ok'],
      ['3/5 busy', 'running', 'ok'],
      ['5/5 busy', 'running · 12 queued', 'warn'],
      ['5/5 busy', 'running · 12 queued', 'warn'],
      ['5/5 busy', 'queue full: 14 refused', 'warn'],
    ]);
    const state = reduceAll(events);
    expect(state.nodes[1].pool).toEqual({ workers: 5, backlog: 20, busy: 5, queued: 20, refused: 14 });
    expect(poolText(state.nodes[2])).toBe('2/5 busy');
    expect(state.nodes[0].pool).toBeUndefined();
  });

  it('shows an idle server as idle once it falls idle, nothing for a dead one, and no old sample once it runs again', () => {
    const events = stream(
      [0, 'supervisor', twoServers],
      [1, 'supervisor', started('web-01', '10.0.0.11')],
      [1000, 'web-01', pool(5, 4, 0)],
      [2000, 'web-01', pool(0, 0, 0)],
    );
    expect(poolText(reduceAll(events.slice(0, 3)).nodes[1])).toBe('5/5 busy');
    expect(poolText(reduceAll(events).nodes[1])).toBe('0/5 busy');
    expect(processText(reduceAll(events).nodes[1])).toEqual({ text: 'running', tone: 'ok' });
    const killed = reduce(reduceAll(events), {
      type: 'node.exited',
      name: 'web-01',
      code: null,
      signal: 'SIGKILL',
      cause: 'killed',
      state: 'stopped',
      seq: 5,
      time: 2500,
      node: 'supervisor',
    });
    expect(poolText(killed.nodes[1])).toBeUndefined();
    expect(processText(killed.nodes[1]).text).toBe('STOPPED');
    const again = reduce(killed, { ...started('web-01', '10.0.0.11'), seq: 6, time: 3000, node: 'supervisor' });
    expect([poolText(again.nodes[1]), processText(again.nodes[1]).text]).toEqual([undefined, 'running']);
  });

  it('draws a server the scenario keeps switched off as stopped, not starting', () => {
    const scenario = {
      ...twoServers,
      nodes: [
        ...twoServers.nodes,
        { name: 'web-03', role: 'web', address: '10.0.0.13', ports: [80], program: 'web', stopped: true },
      ],
    };
    const state = reduceAll(stream([0, 'supervisor', scenario]));
    expect(state.nodes.map((n) => [n.name, n.process])).toEqual([
      ['lb-01', 'starting'],
      ['web-01', 'starting'],
      ['web-02', 'starting'],
      ['web-03', 'stopped'],
    ]);
  });
});
