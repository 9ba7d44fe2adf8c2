// The replicated store's events (sandboxes/store): server nodes (primary or standby) and the failover monitor.
// Positions are LSNs as byte numbers (PostgreSQL shows them as "0/1A2B": see ../lsn.ts formatLsn);
// lags are milliseconds.

/** The node listens and has recovered its data: its role, timeline and replication mode. */
export interface StoreReadyEvent {
  type: 'store.ready';
  address: string;
  role: 'primary' | 'standby';
  timeline: number;
  mode: 'async' | 'semi-sync' | 'sync';
  /** Where redo ended: the end of the valid log. */
  lsn: number;
}

/** An acknowledged write on the primary (set or del), with the position its record ends at. */
export interface StoreWriteEvent {
  type: 'store.write';
  op: 'set' | 'del';
  key: string;
  lsn: number;
  timeline: number;
  mode: 'async' | 'semi-sync' | 'sync';
  /** Time from the request to the acknowledgement: local flush, plus the standby's ack in (semi-)sync mode. */
  wait_ms: number;
  /** When the acknowledgement was sent, on the node's own clock (ms since the epoch): for history checkers. */
  acked_at: number;
}

/**
 * A planned switchover: the primary stopped taking writes, `candidate` (host:port) flushed its log up to `lsn`, and
 * the primary stepped down to follow it.
 */
export interface StoreDemoteEvent {
  type: 'store.demote';
  lsn: number;
  candidate: string;
}

/** A write refused: a standby or a fenced primary is read-only. */
export interface StoreRefusedEvent {
  type: 'store.refused';
  op: 'set' | 'del';
  key: string;
  reason: 'read-only' | 'fenced';
}

/** One row of pg_stat_replication, reported by the primary as the standby's positions move (at most 4/s each). */
export interface StoreReplicationEvent {
  type: 'store.replication';
  application_name: string;
  client_addr: string;
  state: 'catchup' | 'streaming';
  sent_lsn: number;
  write_lsn: number;
  flush_lsn: number;
  replay_lsn: number;
  write_lag: number | null;
  flush_lag: number | null;
  replay_lag: number | null;
  sync_state: 'async' | 'potential' | 'sync';
  /** The primary's own flushed position, so byte lag = current_lsn - replay_lsn. */
  current_lsn: number;
}

/** Semi-sync switched off after a timeout (fell back to async) or back on once a standby caught up. */
export interface StoreSemiSyncEvent {
  type: 'store.semisync';
  status: 'ON' | 'OFF';
  lsn: number;
}

/** A standby became primary: manual (`db promote`) or by the failover monitor. */
export interface StorePromoteEvent {
  type: 'store.promote';
  timeline: number;
  /** Where the previous timeline ended (the switchpoint). */
  lsn: number;
}

/** A primary stopped accepting writes: its lease expired, or the monitor reported a newer timeline. */
export interface StoreFencedEvent {
  type: 'store.fenced';
  timeline: number;
  reason: 'lease-expired' | 'newer-timeline';
  /** The primary it now follows, for 'newer-timeline'. */
  primary?: string;
}

/** A node that had diverged discarded its tail to rejoin (pg_rewind). */
export interface StoreRewindEvent {
  type: 'store.rewind';
  diverged_at: number;
  discarded_bytes: number;
  discarded_records: number;
}

/**
 * Recovery found a torn or corrupt record and truncated the log there (nothing after it was applied; the tail is
 * kept in the file `kept`), or found the log ending before the control file's checkpoint (`missing_bytes`).
 */
export interface StoreWalTruncatedEvent {
  type: 'store.wal-truncated';
  at: number;
  reason: string;
  discarded_bytes: number;
  /** The file beside the log holding the discarded tail, e.g. wal.damaged-0-1A2. */
  kept?: string;
  /** Bytes the log lacks before the control file's latest checkpoint location. */
  missing_bytes?: number;
}

/** A standby started following a (new) primary. */
export interface StoreFollowEvent {
  type: 'store.follow';
  primary: string;
}

/** The monitor declared the primary down after `misses` missed heartbeats. */
export interface StorePrimaryDownEvent {
  type: 'store.primary-down';
  primary: string;
  misses: number;
  detection_ms: number;
}

/** The monitor's failover decision and its outcome. */
export interface StoreFailoverEvent {
  type: 'store.failover';
  from: string;
  to: string | null;
  timeline: number | null;
  reason: string;
  /** From the primary being declared down to the new primary's promotion reply. */
  duration_ms: number;
}

/** More than one node accepts writes: split brain (the monitor sees it; only possible with fencing off). */
export interface StoreSplitBrainEvent {
  type: 'store.split-brain';
  primaries: string[];
}

/**
 * A web server read the app's data (sandboxes/web/database.ts): which database node answered, and, for a client that
 * wrote before, whether the read missed that write (a stale read from a lagging standby).
 */
export interface StoreReadEvent {
  type: 'store.read';
  key: string;
  /** The database node that answered, "10.0.0.22:5432" (not `node`: the supervisor stamps that with the web server). */
  db: string;
  replay_lsn: number;
  /** null when the client has not written anything through this web server. */
  stale: boolean | null;
  read_your_writes: 'off' | 'primary' | 'wait';
}

export type StoreEvent =
  | StoreReadEvent
  | StoreReadyEvent
  | StoreWriteEvent
  | StoreRefusedEvent
  | StoreReplicationEvent
  | StoreSemiSyncEvent
  | StorePromoteEvent
  | StoreDemoteEvent
  | StoreFencedEvent
  | StoreRewindEvent
  | StoreWalTruncatedEvent
  | StoreFollowEvent
  | StorePrimaryDownEvent
  | StoreFailoverEvent
  | StoreSplitBrainEvent;
