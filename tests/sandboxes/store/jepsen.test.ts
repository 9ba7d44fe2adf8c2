// The Jepsen-style check of jepsen.ts with a few failovers of each kind: no acknowledged write lost and no
// split-brain window in sync and semi-sync replication. `npm run bench:store-jepsen` runs hundreds.
import { describe, expect, it } from 'vitest';
import { jepsen, splitBrainWindows } from './jepsen';

describe('acknowledged writes under kills, freezes, pauses and partitions of the primary', () => {
  // Bounds: each failover takes the detection time (600 ms) plus the lease still running, then the old primary
  // rejoins; about 2 s a cycle, with a generous margin for a loaded machine.
  it('sync replication loses none and never has two primaries acknowledging at once', { timeout: 60_000 }, async () => {
    const result = await jepsen({ mode: 'sync', failovers: 3 });
    expect(result.acknowledged).toBeGreaterThan(100);
    expect(result.lost).toEqual([]);
    expect(result.splitBrain).toEqual([]);
    expect(result.failovers.kill + result.failovers.freeze + result.failovers.cut).toBeGreaterThanOrEqual(3);
  });

  it(
    'semi-sync replication loses none and never has two primaries acknowledging at once',
    { timeout: 60_000 },
    async () => {
      const result = await jepsen({ mode: 'semi-sync', failovers: 3 });
      expect(result.acknowledged).toBeGreaterThan(100);
      expect(result.lost).toEqual([]);
      expect(result.splitBrain).toEqual([]);
    },
  );

  it('the checker sees overlapping acknowledgements of two nodes as split brain, and consecutive ones as none', () => {
    const write = (timeline: number, acked_at: number) =>
      ({ type: 'store.write', op: 'set', key: 'k', lsn: 1, timeline, mode: 'sync', wait_ms: 1, acked_at }) as const;
    const old = { node: 'db-01', events: [write(1, 100), write(1, 200)] };
    expect(splitBrainWindows([old, { node: 'db-02', events: [write(2, 201), write(2, 300)] }])).toEqual([]);
    expect(splitBrainWindows([old, { node: 'db-02', events: [write(2, 150), write(2, 300)] }])).toEqual([
      { a: 'db-01 on timeline 1', b: 'db-02 on timeline 2', overlapMs: 50 },
    ]);
  });
});
