// When a write may be acknowledged: the replication modes, as a pure state machine (the node feeds it positions
// and the clock, and releases the writes it returns).
//
// - async: once the record is flushed to the primary's own disk (PostgreSQL's default with no synchronous standby).
//   A crash of the primary then loses what the standbys had not received yet.
// - semi-sync: also wait until one standby has written it (MySQL's semi-synchronous replication, AFTER_SYNC). If no
//   standby acknowledges within the timeout (rpl_semi_sync_source_timeout, 10 s by default), fall back to async and
//   say so, as MySQL does; switch back on once a standby has caught up.
// - sync: wait until the synchronous standby (the first connected one: synchronous_standby_names = 'FIRST 1 (*)')
//   has flushed it, as PostgreSQL's synchronous_commit = on. No timeout, no fallback: with no standby, commits hang.
import type { Lsn } from '../contracts/lsn';

export type Mode = 'async' | 'semi-sync' | 'sync';
export const MODES: Mode[] = ['async', 'semi-sync', 'sync'];

export interface StandbyPosition {
  write: Lsn;
  flush: Lsn;
}

/** A commit waiting for its acknowledgement: `release` acknowledges it, `cancel` ends the wait without one. */
export interface Commit {
  release: () => void;
  cancel: (why: string) => void;
}

interface Waiter extends Commit {
  end: Lsn;
  since: number;
}

export type Transition = { semiSync: 'OFF'; waitingFor: Lsn; ackedUpTo: Lsn } | { semiSync: 'ON'; at: Lsn };

export class SyncRep {
  private queue: Waiter[] = [];
  /** Rpl_semi_sync_source_status: whether semi-sync is currently waiting for standbys. */
  semiSyncOn = true;

  constructor(
    public mode: Mode,
    public semiSyncTimeoutMs: number,
  ) {}

  /** Queues a write whose record ends at `end`; `release` runs once the mode allows acknowledging it. */
  wait(end: Lsn, commit: Commit, now: number): void {
    this.queue.push({ end, since: now, ...commit });
  }

  /**
   * Ends every wait without acknowledging it, in log order: what a server that stops being the primary does
   * first, as PostgreSQL cancels the waits of a server shutting down (SyncRepWaitForLSN, ProcDiePending).
   */
  cancelAll(why: string): void {
    for (const waiter of this.queue.splice(0)) waiter.cancel(why);
  }

  get waiting(): number {
    return this.queue.length;
  }

  /** Releases every write that may now be acknowledged, in log order; returns a semi-sync switch if one happened. */
  advance(localFlush: Lsn, standbys: StandbyPosition[], now: number): Transition | undefined {
    let transition: Transition | undefined;
    const bestWrite = Math.max(-1, ...standbys.map((s) => s.write));
    if (this.mode === 'semi-sync') {
      if (!this.semiSyncOn && bestWrite >= localFlush) {
        this.semiSyncOn = true;
        transition = { semiSync: 'ON', at: localFlush };
      } else if (this.semiSyncOn && this.queue.length && now - this.queue[0].since >= this.semiSyncTimeoutMs) {
        this.semiSyncOn = false;
        transition = { semiSync: 'OFF', waitingFor: this.queue[0].end, ackedUpTo: Math.max(0, bestWrite) };
      }
    }
    const safe = Math.min(localFlush, this.acknowledged(localFlush, standbys, bestWrite));
    while (this.queue.length && this.queue[0].end <= safe) this.queue.shift()!.release();
    return transition;
  }

  /** How far the standbys have confirmed, by the rule of the current mode. */
  private acknowledged(localFlush: Lsn, standbys: StandbyPosition[], bestWrite: Lsn): Lsn {
    if (this.mode === 'async' || (this.mode === 'semi-sync' && !this.semiSyncOn)) return localFlush;
    if (this.mode === 'semi-sync') return bestWrite;
    return standbys.length ? standbys[0].flush : -1;
  }

  /** When advance() should next be called for a timeout, if any (ms from now). */
  nextDeadline(now: number): number | undefined {
    if (this.mode !== 'semi-sync' || !this.semiSyncOn || !this.queue.length) return undefined;
    return Math.max(0, this.queue[0].since + this.semiSyncTimeoutMs - now);
  }
}
