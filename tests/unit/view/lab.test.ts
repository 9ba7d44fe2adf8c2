// The lab's pure parts: where nodes sit when the picture is narrow, and what stopping Chaos repairs.
import { describe, expect, it } from 'vitest';
import { chaosScript, repairsLeft } from '../../../src/sandbox/view/chaos';
import { CLIENT, NODE_W, layout } from '../../../src/sandbox/view/layout';
import { twoServers } from './stream';

describe('the topology laid out top to bottom (a narrow screen)', () => {
  const nodes = [
    ...twoServers.nodes,
    ...[1, 2, 3].map((n) => ({ name: `db-0${n}`, role: 'store' as const })),
    { name: 'mon-01', role: 'monitor' as const },
  ];

  it('puts tiers top to bottom in the order a request travels, a tier side by side, the monitor last', () => {
    const { placed, width, height } = layout(nodes, 'down');
    const at = (n: string) => placed.find((p) => p.name === n)!;
    const order = [CLIENT, 'lb-01', 'web-01', 'db-01', 'db-02', 'mon-01'];
    for (let i = 1; i < order.length; i++) expect(at(order[i - 1]).y).toBeLessThan(at(order[i]).y);
    expect(at('web-01').y).toBe(at('web-02').y);
    expect(at('db-02').y).toBe(at('db-03').y);
    expect(at('web-02').x - at('web-01').x).toBeGreaterThan(NODE_W);
    // As wide as its widest tier (two), far narrower than across, so a phone draws it larger.
    expect(width).toBeLessThan(layout(nodes).width / 2);
    for (const p of placed) {
      expect(p.x - NODE_W / 2).toBeGreaterThanOrEqual(0);
      expect(p.x + NODE_W / 2).toBeLessThanOrEqual(width);
      expect(p.y).toBeLessThan(height);
    }
  });
});

describe('stopping the chaos sequence', () => {
  const script = chaosScript(twoServers.nodes);

  it('repairs each fault done whose repair had not come yet, and nothing else', () => {
    expect(repairsLeft(script, 0)).toEqual([]);
    expect(repairsLeft(script, 1).map((s) => s.command)).toEqual([{ cmd: 'resume', node: 'web-01' }]);
    expect(repairsLeft(script, 2)).toEqual([]);
    expect(repairsLeft(script, 3).map((s) => s.command)).toEqual([{ cmd: 'start', node: 'web-02' }]);
    expect(repairsLeft(script, 5).map((s) => s.command)).toEqual([{ cmd: 'heal', a: 'lb-01', b: 'web-01' }]);
    expect(repairsLeft(script, script.length)).toEqual([]);
  });

  it('repairs every fault still standing, in the order they came', () => {
    const overlapping = [
      { at_ms: 0, command: { cmd: 'kill' as const, node: 'a' }, says: 'kill a' },
      { at_ms: 1, command: { cmd: 'cut' as const, a: 'a', b: 'b' }, says: 'cut a b' },
      { at_ms: 2, command: { cmd: 'start' as const, node: 'a' }, says: 'start a' },
      { at_ms: 3, command: { cmd: 'heal' as const, a: 'a', b: 'b' }, says: 'heal a b' },
    ];
    expect(repairsLeft(overlapping, 2).map((s) => s.says)).toEqual(['start a', 'heal a b']);
    expect(repairsLeft(overlapping, 3).map((s) => s.says)).toEqual(['heal a b']);
  });
});
