// The failover decision, as pure functions over what the monitor last heard from each node: when is the primary
// dead, which standby replaces it, and which nodes believe they are primary. No sockets or timers here.
import { formatLsn, type Lsn } from './lsn';

export interface NodeView {
  name: string;
  address: string;
  /** Answered the last heartbeat. */
  alive: boolean;
  role: 'primary' | 'standby';
  timeline: number;
  /** A primary whose lease expired: it refuses writes. */
  fenced: boolean;
  /** Everything received from the primary (pg_last_wal_receive_lsn()); flushed before a promotion completes. */
  write_lsn: Lsn;
  replay_lsn: Lsn;
}

/** How long a dead primary goes unnoticed at most: every heartbeat of `misses` in a row must fail. */
export const detectionMs = (intervalMs: number, misses: number) => intervalMs * misses;

/**
 * How long a primary keeps accepting writes after its last heartbeat. Shorter than the detection time by half an
 * interval, so a primary cut off from the monitor has stopped writing before a standby is promoted in its place.
 */
export const leaseMs = (intervalMs: number, misses: number) => (misses - 0.5) * intervalMs;

export const isDown = (missed: number, misses: number) => missed >= misses;

export type Choice = { promote: NodeView; reason: string } | { promote: undefined; reason: string };

/**
 * Picks the standby to promote: the most advanced one (newest timeline, then the most WAL received: it holds every
 * write the others hold, so promoting it loses the least; then replay_lsn, then name for a stable order).
 */
export function chooseNewPrimary(nodes: NodeView[]): Choice {
  const candidates = nodes
    .filter((n) => n.alive && n.role === 'standby')
    .sort((a, b) => b.timeline - a.timeline || b.write_lsn - a.write_lsn || b.replay_lsn - a.replay_lsn || a.name.localeCompare(b.name));
  if (!candidates.length) return { promote: undefined, reason: 'no standby is reachable: nothing to promote' };
  const [best, ...others] = candidates;
  const compared = others.map((n) => `${n.name} at ${formatLsn(n.write_lsn)}`).join(', ');
  return {
    promote: best,
    reason: `most advanced standby: received up to ${formatLsn(best.write_lsn)} on timeline ${best.timeline}${compared ? ` (${compared})` : ''}`,
  };
}

/** Nodes that accept writes right now; more than one is split brain. */
export const writablePrimaries = (nodes: NodeView[]) => nodes.filter((n) => n.alive && n.role === 'primary' && !n.fenced);

/**
 * The primary the monitor should follow: the one it knows, unless a node reports itself primary on a newer
 * timeline (a promotion by hand, `db promote`), which then wins.
 */
export function newestPrimary(nodes: NodeView[], known: { timeline: number; primary?: string }): NodeView | undefined {
  const newer = nodes
    .filter((n) => n.alive && n.role === 'primary' && (n.timeline > known.timeline || known.primary === undefined))
    .sort((a, b) => b.timeline - a.timeline || b.write_lsn - a.write_lsn || a.name.localeCompare(b.name));
  return newer[0];
}
