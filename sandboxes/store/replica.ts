// A replica's decisions, as a pure state machine: whether this node may take a write (its role, its lease from the
// failover monitor, a hand-over in progress), when it is fenced, how a standby is promoted, when it follows another
// primary or steps down, where a divergent log must be rewound to, and which received records the apply delay lets
// through. Pure: it takes the clock and what it is told, and returns what to do (log, report, write the control file,
// stream from a primary, end waiting commits, answer). node.ts does the sockets, the timers and the files, as
// vrrp/main.ts does for vrrp/instance.ts. The transcripts in tests/sandboxes/store/testdata/ show it at work.
import { timelineEnd, type Control, type TimelineSwitch } from './control';
import { formatLsn, type Lsn } from '../contracts/lsn';
import type { Change } from './wal';
import type { Message } from './wire';
import type { StoreEvent } from '../contracts/events/store';

export type Action =
  | { kind: 'log'; text: string; level?: 'warning' }
  | { kind: 'report'; event: StoreEvent }
  /** Write the control file: role, primary_conninfo, timeline, history and lease are what a restart resumes from. */
  | { kind: 'persist' }
  /** End every commit still waiting for its acknowledgement, never acknowledging it (see `terminated`). */
  | { kind: 'cancel-commits'; why: string }
  /** End the WAL senders: a standby sends no WAL in this sandbox (no cascading replication). */
  | { kind: 'stop-senders' }
  /** (Re)start the WAL receiver, streaming from `primary` (primary_conninfo). */
  | { kind: 'stream'; primary: string }
  | { kind: 'stop-streaming' }
  /** The write is accepted: into the log, then wait until the replication mode lets it be acknowledged. */
  | { kind: 'append'; change: Change }
  /** Promotion: replay everything received, whatever the apply delay, then call `promoted` with the end of the log. */
  | { kind: 'finish-recovery'; lease_ms: number; sent_at: number }
  /** Switchover: flush the log, wait until `candidate` has flushed it too, then call `handedOver`. */
  | { kind: 'hand-over'; candidate: string; timeout_ms: number }
  /** The answer to the request that caused these actions. */
  | { kind: 'reply'; message: Message };

/** What a heartbeat from the failover monitor says (see failover-monitor.ts). */
export interface Heartbeat {
  /** The primary the monitor follows, "host:port"; none before it has found one (the heartbeat then only asks for the status). */
  primary?: string;
  timeline: number;
  fencing: boolean;
  /** The lease granted with it; 0 or NaN for none (fencing off). */
  lease_ms: number;
  /** When the monitor sent it, on its clock (ms since the epoch): the lease runs from there. */
  sent_at: number;
}

/** The errors a client can get, in PostgreSQL's words where PostgreSQL has them. */
const readOnly = (op: Change['op']) =>
  `ERROR:  cannot execute ${op === 'set' ? 'INSERT' : 'DELETE'} in a read-only transaction`;

/**
 * What a commit still waiting gets when its server stops being the primary: PostgreSQL's words for a wait for
 * synchronous replication ended by a shutdown (SyncRepWaitForLSN). Not an acknowledgement: the client cannot know
 * whether the write survives, and here it may not (a rewind can discard it).
 */
export const terminated = (why: string): Message => ({
  ok: false,
  error: 'FATAL:  terminating connection due to administrator command',
  sqlstate: '57P01',
  detail: `Canceling the wait for synchronous replication: ${why}. The transaction has already committed locally, but might not have been replicated to the standby.`,
});

/** A fresh data directory: flags shape it once (a standby of `standbyOf`, else a primary); afterwards it decides. */
export function freshControl(standbyOf?: string): Control {
  return {
    role: standbyOf ? 'standby' : 'primary',
    primary_conninfo: standbyOf,
    timeline: 1,
    history: [],
    state: 'shut down',
    leased: false,
  };
}

export class Replica {
  /** This node's "host:port", once it listens: heartbeats name the primary by it. */
  address = '';
  /** Until when the failover monitor's lease lets this primary accept writes (only once `control.leased`). */
  private leaseUntil = 0;
  /** Whether this primary holds a lease now: false at start, after it expired, and once demoted. */
  private leaseHeld = false;
  /** During a switchover's hand-over: the standby ("host:port") this primary waits for before it steps down. */
  private handingOverTo?: string;

  /**
   * `control` is shared with node.ts: the replica decides its role, primary_conninfo, timeline, history and
   * lease flag; the node keeps the rest (clean-shutdown state, latest checkpoint) and writes the file on `persist`.
   */
  constructor(readonly control: Control) {}

  get role(): 'primary' | 'standby' {
    return this.control.role;
  }
  get timeline(): number {
    return this.control.timeline;
  }

  /** When the lease runs out, while this primary holds one: the moment `tick` has something to do. */
  get leaseExpiry(): number | undefined {
    return this.leaseHeld ? this.leaseUntil : undefined;
  }

  /** Recovery done and listening at `address`: a standby starts streaming, a leased primary waits for a heartbeat. */
  start(address: string): Action[] {
    this.address = address;
    if (this.role === 'standby') {
      return [
        { kind: 'log', text: 'LOG:  entering standby mode' },
        { kind: 'log', text: 'LOG:  database system is ready to accept read-only connections' },
        ...this.follow(this.control.primary_conninfo!),
      ];
    }
    const actions: Action[] = [];
    if (this.control.leased)
      actions.push({
        kind: 'log',
        text: "LOG:  waiting for the failover monitor to renew this primary's lease before accepting writes",
      });
    actions.push({ kind: 'log', text: 'LOG:  database system is ready to accept connections' });
    return actions;
  }

  /** Whether this node may accept a write at `now`, or why not. */
  refusal(now: number): 'read-only' | 'fenced' | undefined {
    if (this.role === 'standby') return 'read-only';
    if (this.control.leased && (!this.leaseHeld || now >= this.leaseUntil)) return 'fenced';
    return undefined;
  }

  /** The clock moved on: fences this primary if its lease has run out (timers of a frozen process fire late, so every event checks too). */
  tick(now: number): Action[] {
    if (this.role !== 'primary' || !this.control.leased || !this.leaseHeld || now < this.leaseUntil) return [];
    this.leaseHeld = false;
    return [
      { kind: 'cancel-commits', why: 'its lease from the failover monitor expired' },
      {
        kind: 'log',
        text: `LOG:  fenced: no heartbeat from the failover monitor within the lease (it ran out at ${new Date(this.leaseUntil).toISOString()}); refusing writes`,
        level: 'warning',
      },
      { kind: 'report', event: { type: 'store.fenced', timeline: this.timeline, reason: 'lease-expired' } },
    ];
  }

  /** A client's set or del. */
  write(change: Change, now: number): Action[] {
    const actions = this.tick(now);
    // A primary handing over takes no new write; the ones already in its log are acknowledged as usual.
    const refused = this.handingOverTo ? 'read-only' : this.refusal(now);
    if (!refused) return [...actions, { kind: 'append', change }];
    const why =
      refused === 'fenced'
        ? {
            detail: `This primary is fenced: its lease from the failover monitor expired (timeline ${this.timeline}). It must rejoin as a standby.`,
          }
        : this.handingOverTo
          ? {
              hint: `This server is handing over to ${this.handingOverTo} (switchover): send writes to the new primary.`,
            }
          : { hint: 'This server is a standby: send writes to the primary.' };
    return [
      ...actions,
      { kind: 'report', event: { type: 'store.refused', op: change.op, key: change.key, reason: refused } },
      { kind: 'reply', message: { ok: false, error: readOnly(change.op), sqlstate: '25006', ...why } },
    ];
  }

  /**
   * A commit written on `timeline` may now be acknowledged by the replication mode: it is, unless this node is no
   * longer a primary holding its lease on that timeline. Undefined when it may; else why not.
   */
  acknowledgement(timeline: number, now: number): string | undefined {
    if (this.role !== 'primary' || this.timeline !== timeline || this.refusal(now))
      return `this server is no longer the primary of timeline ${timeline}`;
    return undefined;
  }

  /** The failover monitor's heartbeat: renews a primary's lease, repoints standbys, fences a superseded primary. */
  heartbeat(heartbeat: Heartbeat, now: number): Action[] {
    // A primary that was paused checks its lease before anything else it is told.
    const actions = this.tick(now);
    const { primary, timeline } = heartbeat;
    if (primary === undefined) return actions;
    if (heartbeat.fencing && !this.control.leased) {
      this.control.leased = true;
      actions.push({ kind: 'persist' });
    }
    if (primary === this.address) {
      if (this.role === 'primary') actions.push(...this.renewLease(heartbeat.lease_ms, heartbeat.sent_at, now));
      return actions;
    }
    if (this.role === 'standby') {
      if (primary !== this.control.primary_conninfo && timeline >= this.timeline) actions.push(...this.follow(primary));
      return actions;
    }
    // A primary told that another node is primary on a timeline at least as new: fenced, it rejoins as a standby.
    if (heartbeat.fencing && timeline >= this.timeline) {
      actions.push(
        {
          kind: 'log',
          text: `LOG:  fenced: the failover monitor reports ${primary} as primary on timeline ${timeline}; this server (timeline ${this.timeline}) stops accepting writes and rejoins as a standby`,
          level: 'warning',
        },
        { kind: 'report', event: { type: 'store.fenced', timeline: this.timeline, reason: 'newer-timeline', primary } },
        ...this.rejoin(primary),
      );
    }
    return actions;
  }

  /**
   * The lease runs from when the monitor SENT the heartbeat, not from when this node read it: heartbeats left in
   * the socket of a process that was frozen are old when it resumes and grant nothing. Both clocks are this
   * machine's, so they agree; real systems get the same guarantee from a store with its own clock (Patroni's
   * leader key has a TTL in etcd or Consul, and a leader that cannot renew it before it expires demotes itself).
   */
  private renewLease(leaseMs: number, sent: number, now: number): Action[] {
    if (!this.control.leased || !(leaseMs > 0)) return [];
    const until = sent + leaseMs;
    if (until <= now)
      return [
        {
          kind: 'log',
          text: `LOG:  ignoring a heartbeat sent ${now - sent} ms ago: older than the lease (${leaseMs} ms), it grants nothing`,
        },
      ];
    const actions: Action[] = this.leaseHeld
      ? []
      : [{ kind: 'log', text: 'LOG:  lease from the failover monitor granted: accepting writes' }];
    this.leaseHeld = true;
    this.leaseUntil = Math.max(this.leaseUntil, until);
    return actions;
  }

  /** pg_promote(), the request: a standby stops streaming and finishes recovery first. */
  promote(leaseMs: number, sent: number): Action[] {
    if (this.role === 'primary')
      return [
        {
          kind: 'reply',
          message: { ok: false, error: 'ERROR:  recovery is not in progress', timeline: this.timeline },
        },
      ];
    return [
      { kind: 'log', text: 'LOG:  received promote request' },
      { kind: 'stop-streaming' },
      { kind: 'finish-recovery', lease_ms: leaseMs, sent_at: sent },
    ];
  }

  /** pg_promote(), once everything received is replayed up to `end`: a new timeline starts there, writes are accepted. */
  promoted(end: Lsn, leaseMs: number, sent: number, now: number): Action[] {
    const actions: Action[] = [{ kind: 'log', text: `LOG:  redo done at ${formatLsn(end)}` }];
    this.control.history = [...this.control.history, { tli: this.timeline, end }];
    this.control.timeline += 1;
    this.control.role = 'primary';
    this.control.primary_conninfo = undefined;
    // Promoted by the monitor, it gets its first lease with the request; promoted by hand under a monitor with
    // fencing, it waits for the monitor to notice the new timeline and renew the lease.
    actions.push(
      ...this.renewLease(leaseMs, sent, now),
      { kind: 'persist' },
      { kind: 'log', text: `LOG:  selected new timeline ID: ${this.timeline}` },
      { kind: 'log', text: 'LOG:  archive recovery complete' },
      { kind: 'log', text: 'LOG:  database system is ready to accept connections' },
      { kind: 'report', event: { type: 'store.promote', timeline: this.timeline, lsn: end } },
      { kind: 'reply', message: { ok: true, timeline: this.timeline } },
    );
    return actions;
  }

  /** Becomes a standby of `primary` (standby.signal + primary_conninfo); the receiver rewinds a divergent tail. */
  rejoin(primary: string): Action[] {
    return [...(this.role === 'primary' ? this.stepDown(primary) : []), ...this.follow(primary)];
  }

  /**
   * A planned switchover, the old primary's part: what Patroni's graceful demote amounts to (`pg_ctl stop -m fast`,
   * whose WAL senders ship the whole log to the standbys before the server stops, then a restart as a standby of
   * the new primary). Takes no more writes and hands over: see `handedOver`.
   */
  demote(candidate: string, timeoutMs: number): Action[] {
    if (this.role !== 'primary') {
      return [
        {
          kind: 'reply',
          message: {
            ok: false,
            error: 'ERROR:  this server is a standby: only the primary can hand over',
            hint: 'Run the switchover against the primary.',
          },
        },
      ];
    }
    this.handingOverTo = candidate;
    return [{ kind: 'hand-over', candidate, timeout_ms: timeoutMs }];
  }

  /**
   * The hand-over ended: if the candidate flushed every record up to `end`, this node steps down and names it as its
   * primary (`rejoin` starts the streaming once the candidate is promoted); if not (cut off, frozen, gone), the
   * switchover is cancelled and writes resume here.
   */
  handedOver(candidate: string, confirmed: boolean, end: Lsn, timeoutMs: number): Action[] {
    this.handingOverTo = undefined;
    if (!confirmed) {
      return [
        {
          kind: 'log',
          text: `LOG:  switchover to ${candidate} cancelled: it did not confirm flushing ${formatLsn(end)} within ${timeoutMs} ms; accepting writes again`,
          level: 'warning',
        },
        {
          kind: 'reply',
          message: {
            ok: false,
            error: `ERROR:  switchover cancelled: ${candidate} did not confirm flushing the log up to ${formatLsn(end)} within ${timeoutMs} ms`,
            detail: 'This server stays the primary and accepts writes again.',
          },
        },
      ];
    }
    const actions = this.stepDown(candidate);
    this.control.primary_conninfo = candidate;
    actions.push(
      { kind: 'persist' },
      {
        kind: 'log',
        text: `LOG:  ${candidate} has flushed the whole log (${formatLsn(end)}): this server steps down and will follow it`,
      },
      { kind: 'report', event: { type: 'store.demote', lsn: end, candidate } },
      { kind: 'reply', message: { ok: true, lsn: formatLsn(end) } },
    );
    return actions;
  }

  /** Streaming from a primary on `timeline`: its timeline and history become this standby's. */
  adoptTimeline(timeline: number, history: TimelineSwitch[]): Action[] {
    if (timeline === this.control.timeline && history.length === this.control.history.length) return [];
    this.control.timeline = timeline;
    this.control.history = history;
    return [{ kind: 'persist' }];
  }

  /** Standby: (re)starts streaming from `primary` (primary_conninfo). */
  private follow(primary: string): Action[] {
    this.control.primary_conninfo = primary;
    return [
      { kind: 'persist' },
      { kind: 'stream', primary },
      { kind: 'report', event: { type: 'store.follow', primary } },
    ];
  }

  private stepDown(primary: string): Action[] {
    this.control.role = 'standby';
    this.leaseHeld = false;
    return [
      // First of all: no commit still waiting may be acknowledged once this node has stopped being the primary.
      { kind: 'cancel-commits', why: `this server stopped being the primary to follow ${primary}` },
      // Its standbys lose their stream, as when a primary shuts down, and wait to be pointed at the new primary.
      { kind: 'stop-senders' },
      { kind: 'log', text: 'LOG:  entering standby mode' },
    ];
  }
}

export type Divergence =
  { kind: 'none' } | { kind: 'unknown-timeline'; error: string } | { kind: 'diverged'; at: Lsn; logs: string[] };

/**
 * Before streaming, a standby compares its history with the primary's (IDENTIFY_SYSTEM): if the primary's timeline
 * forked off this one before this standby's end of log, the tail after the fork was never the primary's and must
 * go (pg_rewind). A real standby would wait forever there; the sandbox rewinds so the lesson can go on.
 */
export function divergence(
  mine: { timeline: number; flushLsn: Lsn },
  primary: { timeline: number; history: TimelineSwitch[] },
): Divergence {
  if (primary.timeline === mine.timeline || mine.flushLsn === 0) return { kind: 'none' };
  const end = timelineEnd(primary.history, mine.timeline);
  if (end === undefined)
    return {
      kind: 'unknown-timeline',
      error: `could not find timeline ${mine.timeline} in the history of the primary (it is on timeline ${primary.timeline})`,
    };
  if (mine.flushLsn <= end) return { kind: 'none' };
  return {
    kind: 'diverged',
    at: end,
    logs: [
      `LOG:  new timeline ${mine.timeline + 1} forked off current database system timeline ${mine.timeline} before current recovery point ${formatLsn(mine.flushLsn)}`,
      `pg_rewind: servers diverged at WAL location ${formatLsn(end)} on timeline ${mine.timeline}`,
    ],
  };
}

/**
 * recovery_min_apply_delay: a standby replays a record it received only once its commit is `delayMs` old, so that a
 * mistake on the primary can still be undone from it for that long. Of `received` (oldest first), how many are due at
 * `now`, and when the next one will be.
 */
export function dueForReplay(
  received: readonly { ts: number }[],
  delayMs: number,
  now: number,
): { due: number; wakeAt?: number } {
  let due = 0;
  while (due < received.length && received[due].ts + delayMs <= now) due++;
  return due < received.length ? { due, wakeAt: received[due].ts + delayMs } : { due };
}
