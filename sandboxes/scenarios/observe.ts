// What goal checks look at, read from the event stream the way an operator would: the web servers' own request
// events (who served what) and the balancer's HAProxy log (what the client got). Pure functions of the World.
import type { SandboxEvent } from '../shared/events/index';
import type { World } from './scenario';

type Event<T extends SandboxEvent['type']> = Extract<SandboxEvent, { type: T }>;

function ofType<T extends SandboxEvent['type']>(events: readonly SandboxEvent[], type: T): Event<T>[] {
  return events.filter((e): e is Event<T> => e.type === type);
}

/** Requests for the app (not health checks or metrics scrapes) that a web server answered. */
export function appRequests(events: readonly SandboxEvent[], from?: string): Event<'web.request'>[] {
  return ofType(events, 'web.request').filter((e) => e.path !== '/health' && e.path !== '/metrics' && (!from || e.client === from));
}

/** One request as HAProxy's `option httplog` line tells it (FIDELITY 1.8). */
export interface LoggedRequest {
  time: number;
  frontend: string;
  backend: string;
  /** The server that finally answered, or `<NOSRV>`. */
  server: string;
  status: number;
  /** Four-character termination state, `----` for a normal end, `SC--` for a refused connection... */
  termination: string;
  retries: number;
  /** The retries field started with `+`: the request was redispatched to another server. */
  redispatched: boolean;
}

// client:port [date] frontend backend/server TR/Tw/Tc/Tr/Ta status bytes cookie cookie termination act/fe/be/srv/retries
const HTTPLOG =
  /\d+\.\d+\.\d+\.\d+:\d+ \[[^\]]+\] (\S+) ([^/\s]+)\/(\S+) -?\d+\/-?\d+\/-?\d+\/-?\d+\/\+?-?\d+ (\d{3}) \d+ \S+ \S+ (\S{4}) \d+\/\d+\/\d+\/\d+\/(\+?)(\d+) /;

/** The requests a balancer node logged, in order. */
export function loggedRequests(events: readonly SandboxEvent[], balancer = 'lb-01'): LoggedRequest[] {
  const requests: LoggedRequest[] = [];
  for (const e of ofType(events, 'log')) {
    const m = e.node === balancer ? HTTPLOG.exec(e.text) : null;
    if (m) {
      requests.push({
        time: e.time,
        frontend: m[1],
        backend: m[2],
        server: m[3],
        status: Number(m[4]),
        termination: m[5],
        redispatched: m[6] === '+',
        retries: Number(m[7]),
      });
    }
  }
  return requests;
}

/** True when a balancer logged a line containing `text` (e.g. `Server be_app/web-01 is DOWN`). */
export function balancerSaid(events: readonly SandboxEvent[], text: string, balancer = 'lb-01'): Event<'log'> | undefined {
  return ofType(events, 'log').find((e) => e.node === balancer && e.text.includes(text));
}

/** The times a node's process ended, oldest first. */
export function exits(events: readonly SandboxEvent[], name: string): Event<'node.exited'>[] {
  return ofType(events, 'node.exited').filter((e) => e.name === name);
}

/**
 * The history cut into runs of one node's configuration: a new run starts each time the node starts or reloads.
 * A balancer's runs are the periods during which one haproxy.cfg was in force.
 */
export function runsOf(events: readonly SandboxEvent[], name: string): SandboxEvent[][] {
  const runs: SandboxEvent[][] = [[]];
  for (const e of events) {
    if ((e.type === 'node.started' || e.type === 'node.reloaded') && e.name === name) runs.push([]);
    runs[runs.length - 1].push(e);
  }
  return runs.filter((run) => run.length > 0);
}

/** Counts by key, e.g. requests by server: { 'web-01': 3, 'web-02': 1 }. */
export function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

/** "web-01 served 3, web-02 served 1" (or "no request yet"). */
export function describeCounts(counts: Record<string, number>, verb = 'served'): string {
  const parts = Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, n]) => `${name} ${verb} ${n}`);
  return parts.length ? parts.join(', ') : 'no request yet';
}

export function nodeState(world: World, name: string) {
  return world.nodes.find((n) => n.name === name)?.state;
}

/** The stretches of history during which a node was down: from each exit to its next start (or to now). */
export function downtimes(events: readonly SandboxEvent[], name: string): SandboxEvent[][] {
  const stretches: SandboxEvent[][] = [];
  let current: SandboxEvent[] | undefined;
  for (const e of events) {
    if (e.type === 'node.exited' && e.name === name) stretches.push((current = []));
    else if (e.type === 'node.started' && e.name === name) current = undefined;
    else current?.push(e);
  }
  return stretches;
}
