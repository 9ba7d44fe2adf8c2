import { describe, expect, it } from 'vitest';
import { createPicker, type LbServer } from '../../../sandboxes/balancer/picker';
import type { Algorithm } from '../../../sandboxes/balancer/config';

interface FakeServer extends LbServer {
  weight: number;
  served: number;
  up: boolean;
  maxconn: number;
}

function servers(spec: Record<string, number | { weight: number; backup?: boolean }>): FakeServer[] {
  return Object.entries(spec).map(([name, s]) => {
    const { weight, backup = false } = typeof s === 'number' ? { weight: s } : s;
    const server: FakeServer = {
      name,
      backup,
      weight,
      served: 0,
      up: true,
      maxconn: 0,
      usable: () => server.up && server.weight > 0,
      full: () => server.maxconn > 0 && server.served >= server.maxconn,
    };
    return server;
  });
}

const picks = (algorithm: Algorithm, list: FakeServer[], n: number, source = '203.0.113.10', allbackups = false) => {
  const picker = createPicker(algorithm, list, allbackups);
  return Array.from({ length: n }, () => picker.pick(source)?.name ?? '-');
};

describe('balance roundrobin', () => {
  it('gives weights 3:1:1 the order HAProxy gives: app1 app1 app2 app1 app3, repeating', () => {
    expect(picks('roundrobin', servers({ app1: 3, app2: 1, app3: 1 }), 10)).toEqual([
      'app1',
      'app1',
      'app2',
      'app1',
      'app3',
      'app1',
      'app1',
      'app2',
      'app1',
      'app3',
    ]);
  });

  it('rotates equal weights in the order of the configuration', () => {
    expect(picks('roundrobin', servers({ app1: 1, app2: 1, app3: 1 }), 6)).toEqual([
      'app1',
      'app2',
      'app3',
      'app1',
      'app2',
      'app3',
    ]);
  });

  it('shares requests in proportion to the weights over a long run', () => {
    const counts: Record<string, number> = {};
    for (const name of picks('roundrobin', servers({ a: 5, b: 2, c: 1 }), 800)) counts[name] = (counts[name] ?? 0) + 1;
    expect(counts).toEqual({ a: 500, b: 200, c: 100 });
  });

  it('skips a DOWN server and takes it back into the rotation when it is UP again', () => {
    const list = servers({ app1: 1, app2: 1, app3: 1 });
    const picker = createPicker('roundrobin', list, false);
    const next = (n: number) => Array.from({ length: n }, () => picker.pick('x')!.name);
    expect(next(3)).toEqual(['app1', 'app2', 'app3']);
    list[1].up = false;
    expect(next(4)).toEqual(['app1', 'app3', 'app1', 'app3']);
    list[1].up = true;
    const after = next(6);
    expect(after.filter((n) => n === 'app2')).toHaveLength(2);
    expect(new Set(after.slice(0, 3))).toEqual(new Set(['app1', 'app2', 'app3']));
  });

  it('uses only the first backup server when every active server is down, all of them with allbackups', () => {
    const list = servers({ app1: 1, app2: 1, b1: { weight: 1, backup: true }, b2: { weight: 1, backup: true } });
    list[0].up = list[1].up = false;
    expect(picks('roundrobin', list, 4)).toEqual(['b1', 'b1', 'b1', 'b1']);
    expect(picks('roundrobin', list, 4, 'x', true)).toEqual(['b1', 'b2', 'b1', 'b2']);
    list[0].up = true;
    expect(picks('roundrobin', list, 2)).toEqual(['app1', 'app1']);
  });

  it('passes over a server at its maxconn and one to avoid, and finds nobody when all are full', () => {
    const list = servers({ app1: 1, app2: 1 });
    const picker = createPicker('roundrobin', list, false);
    list[0].maxconn = 1;
    list[0].served = 1;
    expect([picker.pick('x')?.name, picker.pick('x')?.name]).toEqual(['app2', 'app2']);
    list[0].served = 0;
    expect(picker.pick('x', list[0])?.name).toBe('app2');
    list[1].maxconn = 1;
    list[1].served = 1;
    list[0].served = 1;
    expect(picker.pick('x')).toBeUndefined();
  });
});

describe('the other algorithms', () => {
  it('static-rr spreads weights 3:1:1 over a cycle of five', () => {
    const order = picks('static-rr', servers({ app1: 3, app2: 1, app3: 1 }), 10);
    expect(order.slice(0, 5).filter((n) => n === 'app1')).toHaveLength(3);
    expect(order.slice(5)).toEqual(order.slice(0, 5));
    expect(order.slice(0, 5)).not.toEqual(['app1', 'app1', 'app1', 'app2', 'app3']);
  });

  it('leastconn sends to the server with the fewest requests in progress, in turn among equals', () => {
    const list = servers({ app1: 1, app2: 1, app3: 1 });
    const picker = createPicker('leastconn', list, false);
    list[0].served = 5;
    list[1].served = 1;
    expect(picker.pick('x')?.name).toBe('app3');
    list[2].served = 1;
    expect([picker.pick('x')?.name, picker.pick('x')?.name]).toEqual(['app2', 'app3']);
  });

  it('source keeps a client on one server, and moves clients when the set of servers changes', () => {
    const list = servers({ app1: 1, app2: 1, app3: 1 });
    const clients = Array.from({ length: 30 }, (_, i) => `203.0.113.${i + 1}`);
    const where = () => clients.map((c) => createPicker('source', list, false).pick(c)!.name);
    const before = where();
    expect(where()).toEqual(before);
    expect(new Set(before).size).toBe(3);
    list[2].up = false;
    const after = where();
    expect(after).not.toContain('app3');
    expect(after.filter((s, i) => s !== before[i] && before[i] !== 'app3').length).toBeGreaterThan(0);
  });
});
