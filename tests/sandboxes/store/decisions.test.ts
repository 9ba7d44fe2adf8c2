import { describe, expect, it } from 'vitest';
import {
  chooseNewPrimary,
  chooseSwitchoverCandidate,
  detectionMs,
  isDown,
  leaseMs,
  newestPrimary,
  writablePrimaries,
  type NodeView,
} from '../../../sandboxes/store/failover';
import { SyncRep } from '../../../sandboxes/store/syncrep';

const node = (name: string, over: Partial<NodeView>): NodeView => ({
  name,
  address: `10.0.0.${name.slice(-1)}:5432`,
  alive: true,
  role: 'standby',
  timeline: 1,
  fenced: false,
  write_lsn: 0,
  replay_lsn: 0,
  ...over,
});

describe('the failover decision', () => {
  it('declares the primary down only after every one of `misses` heartbeats failed', () => {
    expect(isDown(2, 3)).toBe(false);
    expect(isDown(3, 3)).toBe(true);
    expect(detectionMs(1000, 3)).toBe(3000);
    // The lease ends half an interval before anyone can be promoted in the primary's place.
    expect(leaseMs(1000, 3)).toBe(2500);
  });

  it('promotes the standby that received the most WAL, whatever its replay position', () => {
    const choice = chooseNewPrimary([
      node('db-2', { write_lsn: 500, replay_lsn: 500 }),
      node('db-3', { write_lsn: 900, replay_lsn: 100 }),
      node('db-1', { role: 'primary', write_lsn: 1000, alive: false }),
    ]);
    expect(choice.promote?.name).toBe('db-3');
    expect(choice.reason).toBe('most advanced standby: received up to 0/384 on timeline 1 (db-2 at 0/1F4)');
  });

  it('never promotes an unreachable standby, and says so when none is left', () => {
    expect(
      chooseNewPrimary([node('db-2', { alive: false, write_lsn: 999 }), node('db-3', { write_lsn: 1 })]).promote?.name,
    ).toBe('db-3');
    expect(chooseNewPrimary([node('db-2', { alive: false })])).toEqual({
      promote: undefined,
      reason: 'no standby is reachable: nothing to promote',
    });
  });

  it('follows a primary promoted by hand on a newer timeline, and sees two writable primaries as split brain', () => {
    const views = [node('db-1', { role: 'primary', timeline: 1 }), node('db-2', { role: 'primary', timeline: 2 })];
    expect(newestPrimary(views, { timeline: 1, primary: '10.0.0.1:5432' })?.name).toBe('db-2');
    expect(newestPrimary(views, { timeline: 2, primary: '10.0.0.2:5432' })).toBeUndefined();
    expect(writablePrimaries(views)).toHaveLength(2);
    expect(writablePrimaries([views[0], { ...views[1], fenced: true }])).toHaveLength(1);
  });
});

describe('the replication modes', () => {
  function released(mode: 'async' | 'semi-sync' | 'sync', timeoutMs = 1000) {
    const syncrep = new SyncRep(mode, timeoutMs);
    const acked: number[] = [];
    const cancelled: string[] = [];
    for (const end of [10, 20, 30])
      syncrep.wait(end, { release: () => acked.push(end), cancel: (why) => cancelled.push(`${end}: ${why}`) }, 0);
    return { syncrep, acked, cancelled };
  }

  it('a cancelled wait is never released afterwards, whatever the standbys report', () => {
    const { syncrep, acked, cancelled } = released('sync');
    syncrep.advance(30, [{ write: 30, flush: 10 }], 1);
    syncrep.cancelAll('demoted');
    expect(cancelled).toEqual(['20: demoted', '30: demoted']);
    syncrep.advance(30, [{ write: 30, flush: 30 }], 2);
    expect(acked).toEqual([10]);
    expect(syncrep.waiting).toBe(0);
  });

  it('async acknowledges once the primary flushed, whatever the standbys did', () => {
    const { syncrep, acked } = released('async');
    syncrep.advance(20, [], 0);
    expect(acked).toEqual([10, 20]);
  });

  it('sync waits for the synchronous standby to flush, and without a standby waits forever', () => {
    const { syncrep, acked } = released('sync');
    syncrep.advance(30, [], 1_000_000);
    expect(acked).toEqual([]);
    syncrep.advance(30, [{ write: 30, flush: 10 }], 1_000_001);
    expect(acked).toEqual([10]);
    syncrep.advance(30, [{ write: 30, flush: 30 }], 1_000_002);
    expect(acked).toEqual([10, 20, 30]);
  });

  it('semi-sync waits for one standby to write, then falls back to async after the timeout and back on later', () => {
    const { syncrep, acked } = released('semi-sync', 1000);
    expect(syncrep.advance(30, [{ write: 10, flush: 0 }], 500)).toBeUndefined();
    expect(acked).toEqual([10]);
    expect(syncrep.nextDeadline(500)).toBe(500);
    expect(syncrep.advance(30, [{ write: 10, flush: 0 }], 1000)).toEqual({
      semiSync: 'OFF',
      waitingFor: 20,
      ackedUpTo: 10,
    });
    expect(acked).toEqual([10, 20, 30]);
    expect(syncrep.advance(30, [{ write: 30, flush: 30 }], 1100)).toEqual({ semiSync: 'ON', at: 30 });
  });
});

describe('the switchover decision', () => {
  const streaming = (name: string, flush_lsn: number) => ({
    name,
    host: `10.0.0.${name.slice(-1)}`,
    role: 'standby' as const,
    stream: { state: 'streaming' as const, flush_lsn },
  });

  it('hands over to the standby asked for, or else to the streaming standby that received the most', () => {
    const standbys = [streaming('db-2', 300), streaming('db-3', 500)];
    expect(chooseSwitchoverCandidate(standbys, 'db-2')).toEqual({ candidate: standbys[0] });
    expect(chooseSwitchoverCandidate(standbys)).toEqual({ candidate: standbys[1] });
  });

  it("refuses with Patroni's words and each standby's problem when none is answering and streaming", () => {
    const standbys = [
      { name: 'db-2', host: '10.0.0.2', unreachable: 'timeout expired' },
      {
        name: 'db-3',
        host: '10.0.0.3',
        role: 'standby' as const,
        stream: { state: 'catchup' as const, flush_lsn: 10 },
      },
      { name: 'db-4', host: '10.0.0.4', role: 'standby' as const },
    ];
    expect(chooseSwitchoverCandidate(standbys)).toEqual({
      reason:
        'switchover is not possible: no good candidates have been found (db-2 is not answering (timeout expired); db-3 is still catching up; db-4 is not streaming from the primary)',
    });
    expect(chooseSwitchoverCandidate([streaming('db-3', 1), ...standbys.slice(0, 1)], 'db-2')).toEqual({
      reason:
        'switchover is not possible: no good candidates have been found (db-2 is not answering (timeout expired))',
    });
    expect(chooseSwitchoverCandidate(standbys, 'db-9')).toEqual({
      reason: 'candidate db-9 is not a standby of this cluster',
    });
  });
});
