// Which nodes of a scenario start together, and which wait: a node waits for the nodes it names, keepalived peers
// start in turn, everything else starts at once.
import { describe, expect, it } from 'vitest';
import { scenarios } from '../../../sandboxes/scenarios/index';
import { startAfter, startGroups } from '../../../sandboxes/supervisor/start-order';

const groups = (name: string) => startGroups(scenarios[name]).map((group) => group.map((node) => node.name));

describe('the start order', () => {
  it('starts the web servers together and the balancer once they listen (its first check would mark them DOWN)', () => {
    expect(groups('two-servers')).toEqual([['web-01', 'web-02'], ['lb-01']]);
  });

  it('starts standbys after their primary, and web servers with the databases they name (they connect per request)', () => {
    expect(groups('replication')).toEqual([['db-01'], ['db-02', 'db-03']]);
    expect(groups('failover')).toEqual([['db-01'], ['db-02', 'db-03'], ['mon-01']]);
    expect(groups('read-your-writes')).toEqual([['db-01', 'web-01', 'web-02'], ['db-02']]);
    expect(groups('capstone')).toEqual([
      ['db-01', 'web-01', 'web-02'],
      ['db-02', 'lb-01'],
      ['mon-01', 'lb-02'],
      ['prom-01'],
    ]);
  });

  it('starts keepalived peers in turn, so the same one becomes MASTER on every run', () => {
    expect(groups('active-passive')).toEqual([['web-01', 'web-02'], ['lb-01'], ['lb-02']]);
  });

  it('lets a node wait only for the nodes it names, not for the slowest node of an unrelated branch', () => {
    const waits = (name: string) =>
      Object.fromEntries(
        [...startAfter(scenarios[name])].map(([node, after]) => [node.name, after.map((n) => n.name)]),
      );
    // The balancer waits for its web servers, not for the database or the monitor that started in the same wave.
    expect(waits('spof')).toEqual({ 'db-01': [], 'web-01': [], 'web-02': [], 'lb-01': ['web-01', 'web-02'] });
    expect(waits('capstone')['lb-01']).toEqual(['web-01', 'web-02']);
    expect(waits('capstone')['mon-01']).toEqual(['db-01', 'db-02']);
    // keepalived peers still start in turn.
    expect(waits('active-passive')['lb-02']).toContain('lb-01');
    // A node that starts stopped is not started, and nobody waits for it.
    expect(waits('scale-out')).toEqual({ 'web-01': [], 'lb-01': ['web-01'] });
  });

  it('leaves a node that starts stopped out, and nobody waits for it (lb-01 names the switched-off web-02)', () => {
    expect(groups('scale-out')).toEqual([['web-01'], ['lb-01']]);
  });

  it("starts every node of every scenario exactly once (but those that start stopped), each after every node its config or arguments name but a web server's databases", () => {
    for (const scenario of Object.values(scenarios)) {
      const order = startGroups(scenario);
      const booted = scenario.nodes.filter((n) => !n.stopped);
      expect(
        order
          .flat()
          .map((n) => n.name)
          .sort(),
      ).toEqual(booted.map((n) => n.name).sort());
      const groupOf = (name: string) => order.findIndex((group) => group.some((n) => n.name === name));
      for (const node of booted) {
        const text = [...node.args, node.config ? scenario.files[node.config] : ''].join('\n');
        const waitsFor = (other: (typeof booted)[number]) => !(node.role === 'web' && other.role === 'store');
        for (const other of booted.filter((o) => o !== node && text.includes(`${o.address}:`) && waitsFor(o))) {
          expect(groupOf(other.name), `${scenario.name}: ${node.name} names ${other.name}`).toBeLessThan(
            groupOf(node.name),
          );
        }
      }
    }
  });
});
