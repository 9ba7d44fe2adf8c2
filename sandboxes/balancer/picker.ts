// Which server gets the next request: the `balance` algorithms, as HAProxy 2.6 implements them.
//
// Common to all (src/backend.c): only usable servers take part (UP, not in MAINT or DRAIN, weight > 0). Backup
// servers are used only when no active server is usable, and then only the first backup in the file, unless
// `option allbackups` is set.
//
// A pure module: it sees servers through the small LbServer interface and never touches sockets or timers.
import type { Algorithm } from './config';

export interface LbServer {
  readonly name: string;
  readonly backup: boolean;
  /** Current (effective) weight, 0 to 256. */
  readonly weight: number;
  /** Requests being served right now (leastconn's measure). */
  readonly served: number;
  /** UP, not MAINT or DRAIN, weight > 0. */
  usable(): boolean;
  /** At its maxconn: skipped, the request waits in the backend's queue instead. */
  full(): boolean;
}

export interface Picker {
  /** The server for the next request from `source` (client IP), avoiding `avoid` if another one can take it. */
  pick(source: string, avoid?: LbServer): LbServer | undefined;
}

/** The servers that take part now: the usable active ones, else the backup(s). */
export function eligible(servers: readonly LbServer[], allbackups: boolean): LbServer[] {
  const active = servers.filter((s) => !s.backup && s.usable());
  if (active.length) return active;
  const backups = servers.filter((s) => s.backup && s.usable());
  return allbackups ? backups : backups.slice(0, 1);
}

export function createPicker(algorithm: Algorithm, servers: readonly LbServer[], allbackups: boolean): Picker {
  const group = () => eligible(servers, allbackups);
  switch (algorithm) {
    case 'roundrobin':
      return roundRobin(servers, group);
    case 'static-rr':
      return staticRoundRobin(group);
    case 'leastconn':
      return leastConn(group);
    case 'source':
      return sourceHash(group);
  }
}

const total = (group: LbServer[]) => group.reduce((sum, s) => sum + s.weight, 0);
const takes = (s: LbServer, avoid?: LbServer) => s !== avoid && !s.full();

/**
 * `balance roundrobin`: HAProxy's "fast weighted round robin" (src/lb_fwrr.c), reduced to its idea. Every pick
 * moves a position forward by one; a server that was picked comes back after total_weight / weight positions
 * (the remainder is carried, so weights 3:1 give exactly 3 picks to 1). The server whose turn is due comes first,
 * heavier first on a tie; servers not yet in the rotation join, heaviest first, when no turn is due.
 * Weights 3:1:1 give app1 app1 app2 app1 app3, as HAProxy does. A server that comes back UP joins at the
 * current position.
 */
function roundRobin(servers: readonly LbServer[], group: () => LbServer[]): Picker {
  let position = 0;
  let queued = 0;
  const turns = new Map<LbServer, { next: number; remainder: number; queuedAt: number }>();
  const neverPlaced = new Set(servers);

  return {
    pick(_source, avoid) {
      const candidates = group();
      for (const s of turns.keys()) if (!candidates.includes(s)) turns.delete(s); // DOWN: out of the rotation
      for (const s of candidates) {
        // Back from DOWN (or weight 0): rejoins at the current position, behind the servers already due.
        if (!turns.has(s) && !neverPlaced.has(s)) turns.set(s, { next: position, remainder: 0, queuedAt: queued++ });
      }
      const sum = total(candidates);
      const due = candidates.filter((s) => turns.has(s) && takes(s, avoid)).sort(order);
      let chosen = due.find((s) => turns.get(s)!.next <= position);
      chosen ??= candidates.filter((s) => neverPlaced.has(s) && takes(s, avoid)).sort((a, b) => b.weight - a.weight)[0];
      chosen ??= due[0] ?? candidates.find((s) => s === avoid && !s.full());
      if (!chosen) return undefined;

      const turn = turns.get(chosen) ?? { next: position, remainder: 0, queuedAt: 0 };
      turn.next += Math.floor(sum / chosen.weight);
      turn.remainder += sum % chosen.weight;
      if (turn.remainder >= chosen.weight) {
        turn.remainder -= chosen.weight;
        turn.next++;
      }
      turn.queuedAt = queued++;
      turns.set(chosen, turn);
      neverPlaced.delete(chosen);
      position++;
      return chosen;
    },
  };

  function order(a: LbServer, b: LbServer): number {
    const ta = turns.get(a)!;
    const tb = turns.get(b)!;
    return ta.next - tb.next || b.weight - a.weight || ta.remainder - tb.remainder || ta.queuedAt - tb.queuedAt;
  }
}

/**
 * The map the static algorithms walk (src/lb_map.c): one slot per unit of weight, heavy servers spread out
 * (smooth weighted round robin). Rebuilt when the set of servers changes.
 */
function weightMap(group: LbServer[]): LbServer[] {
  const sum = total(group);
  const score = new Map(group.map((s) => [s, 0]));
  const map: LbServer[] = [];
  for (let slot = 0; slot < sum; slot++) {
    let best: LbServer | undefined;
    for (const s of group) {
      score.set(s, score.get(s)! + s.weight);
      if (!best || score.get(s)! > score.get(best)!) best = s;
    }
    score.set(best!, score.get(best!)! - sum);
    map.push(best!);
  }
  return map;
}

function cachedMap(group: () => LbServer[]): () => LbServer[] {
  let key = '';
  let map: LbServer[] = [];
  return () => {
    const current = group();
    const now = current.map((s) => `${s.name}*${s.weight}`).join(',');
    if (now !== key) [key, map] = [now, weightMap(current)];
    return map;
  };
}

/** `balance static-rr`: walks the weight map in turn; a server coming back is in the very next map. */
function staticRoundRobin(group: () => LbServer[]): Picker {
  const map = cachedMap(group);
  let next = 0;
  return {
    pick(_source, avoid) {
      const slots = map();
      for (let tries = 0; tries < slots.length; tries++) {
        const s = slots[next++ % slots.length];
        if (takes(s, avoid)) return s;
      }
      return slots.find((s) => !s.full());
    },
  };
}

/**
 * `balance leastconn`: the server with the fewest requests in progress relative to its weight; among equals,
 * round robin (the one picked least recently).
 */
function leastConn(group: () => LbServer[]): Picker {
  const lastPicked = new Map<LbServer, number>();
  let picks = 0;
  return {
    pick(_source, avoid) {
      const load = (s: LbServer) => s.served / s.weight;
      const candidates = group().filter((s) => takes(s, avoid));
      const chosen = candidates.sort(
        (a, b) => load(a) - load(b) || (lastPicked.get(a) ?? -1) - (lastPicked.get(b) ?? -1),
      )[0];
      if (chosen) lastPicked.set(chosen, picks++);
      return chosen;
    },
  };
}

/**
 * `balance source`: the client's IPv4 address as a number, modulo the total weight, indexes the weight map
 * (src/backend.c get_server_sh + map_get_server_hash). The same client lands on the same server while the set
 * of servers stays the same; when one goes down or up, many clients move. Hash-based: no avoiding on retry.
 */
function sourceHash(group: () => LbServer[]): Picker {
  const map = cachedMap(group);
  return {
    pick(source) {
      const slots = map();
      if (slots.length === 0) return undefined;
      const s = slots[addressNumber(source) % slots.length];
      return s.full() ? undefined : s;
    },
  };
}

function addressNumber(address: string): number {
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  if (v4) return ((Number(v4[1]) << 24) >>> 0) + (Number(v4[2]) << 16) + (Number(v4[3]) << 8) + Number(v4[4]);
  let hash = 0;
  for (const c of address) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  return hash;
}
