// The failover decision, as pure functions over what the monitor last heard from each node: when is the primary
// dead, which standby replaces it, and which nodes believe they are primary. No sockets or timers here.
import { formatLsn, type Lsn } from '../contracts/lsn';

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
    .sort(
      (a, b) =>
        b.timeline - a.timeline ||
        b.write_lsn - a.write_lsn ||
        b.replay_lsn - a.replay_lsn ||
        a.name.localeCompare(b.name),
    );
  if (!candidates.length) return { promote: undefined, reason: 'no standby is reachable: nothing to promote' };
  const [best, ...others] = candidates;
  const compared = others.map((n) => `${n.name} at ${formatLsn(n.write_lsn)}`).join(', ');
  return {
    promote: best,
    reason: `most advanced standby: received up to ${formatLsn(best.write_lsn)} on timeline ${best.timeline}${compared ? ` (${compared})` : ''}`,
  };
}

/** Nodes that accept writes right now; more than one is split brain. */
export const writablePrimaries = (nodes: NodeView[]) =>
  nodes.filter((n) => n.alive && n.role === 'primary' && !n.fenced);

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

/** What a switchover needs to know of a standby: whether it answers, and how the primary sees its stream. */
export interface SwitchoverView {
  name: string;
  /** Its address without the port, as the primary's pg_stat_replication shows it (client_addr). */
  host: string;
  /** Why it cannot be asked anything (not answering), if so. */
  unreachable?: string;
  role?: 'primary' | 'standby';
  /** Its row in the primary's pg_stat_replication, if it streams from the primary. */
  stream?: { state: 'catchup' | 'streaming'; flush_lsn: Lsn };
}

/**
 * Picks the standby a planned switchover hands over to (Patroni's checks before `patronictl switchover`): the one
 * asked for, or else the streaming standby that has received the most. A candidate must answer and be streaming
 * from the primary ('streaming', not still in 'catchup'); otherwise there is nothing safe to hand over to, and the
 * reason names each standby's problem.
 */
export function chooseSwitchoverCandidate(
  standbys: SwitchoverView[],
  wanted?: string,
): { candidate: SwitchoverView } | { reason: string } {
  const problem = (s: SwitchoverView) =>
    s.unreachable
      ? `${s.name} is not answering (${s.unreachable})`
      : s.role !== 'standby'
        ? `${s.name} is not a standby`
        : !s.stream
          ? `${s.name} is not streaming from the primary`
          : s.stream.state !== 'streaming'
            ? `${s.name} is still catching up`
            : undefined;
  const asked = wanted === undefined ? standbys : standbys.filter((s) => s.name === wanted);
  if (wanted !== undefined && !asked.length) return { reason: `candidate ${wanted} is not a standby of this cluster` };
  const good = asked
    .filter((s) => !problem(s))
    .sort((a, b) => b.stream!.flush_lsn - a.stream!.flush_lsn || a.name.localeCompare(b.name));
  if (good.length) return { candidate: good[0] };
  const why = asked.map(problem).join('; ');
  return { reason: `switchover is not possible: no good candidates have been found${why ? ` (${why})` : ''}` };
}
