// What goal checks look at, read from the event stream the way an operator would: the web servers' own request
// events (who served what) and the balancer's log as events (what the client got, which server went DOWN).
// Pure functions of the World's events.
import type { SandboxEvent } from '../../contracts/events/index';

type Event<T extends SandboxEvent['type']> = Extract<SandboxEvent, { type: T }>;

function ofType<T extends SandboxEvent['type']>(events: readonly SandboxEvent[], type: T): Event<T>[] {
  return events.filter((e): e is Event<T> => e.type === type);
}

/** Requests for the app (not health checks or metrics scrapes) that a web server answered. */
export function appRequests(events: readonly SandboxEvent[], from?: string): Event<'web.request'>[] {
  return ofType(events, 'web.request').filter(
    (e) => e.path !== '/health' && e.path !== '/metrics' && (!from || e.client === from),
  );
}

/** The requests a balancer answered (its httplog lines as events), in order. */
export function balancerRequests(events: readonly SandboxEvent[], balancer = 'lb-01'): Event<'balancer.request'>[] {
  return ofType(events, 'balancer.request').filter((e) => e.node === balancer);
}

/** The moments a balancer marked a server UP or DOWN (`Server be_app/web-01 is DOWN, reason: ...`). */
export function transitions(
  events: readonly SandboxEvent[],
  server: string,
  to: 'UP' | 'DOWN',
  balancer = 'lb-01',
): Event<'balancer.server'>[] {
  return ofType(events, 'balancer.server').filter(
    (e) => e.node === balancer && e.server === server && e.transition === to,
  );
}

/** The times a node's process ended, oldest first. */
export function exits(events: readonly SandboxEvent[], name: string): Event<'node.exited'>[] {
  return ofType(events, 'node.exited').filter((e) => e.name === name);
}

/**
 * The history cut into runs of one node's configuration: a new run starts each time the node starts or applies a
 * reloaded configuration. A balancer's runs are the periods during which one haproxy.cfg was in force.
 */
export function runsOf(events: readonly SandboxEvent[], name: string): SandboxEvent[][] {
  const runs: SandboxEvent[][] = [[]];
  for (const e of events) {
    const started = e.type === 'node.started' && e.name === name;
    const reloaded = e.type === 'balancer.reload' && e.ok && e.node === name;
    if (started || reloaded) runs.push([]);
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

export interface Downtime {
  /** When the node went down and, if it came back, when it started again (ms, as the events' time). */
  from: number;
  to?: number;
  /** What happened in between. */
  events: SandboxEvent[];
}

/** The stretches of history during which a node was down: from each exit to its next start (or to now). */
export function downtimes(events: readonly SandboxEvent[], name: string): Downtime[] {
  const stretches: Downtime[] = [];
  let current: Downtime | undefined;
  for (const e of events) {
    if (e.type === 'node.exited' && e.name === name) stretches.push((current = { from: e.time, events: [] }));
    else if (e.type === 'node.started' && e.name === name && current) {
      current.to = e.time;
      current = undefined;
    } else current?.events.push(e);
  }
  return stretches;
}

/** The most app requests `by` answered through `via` (a balancer's address) during any one downtime of `down`. */
export function servedWhileDown(events: readonly SandboxEvent[], down: string, by: string, via: string): number {
  return Math.max(
    0,
    ...downtimes(events, down).map(
      (d) => appRequests(d.events, via).filter((e) => e.node === by && e.status < 500).length,
    ),
  );
}

/** Every run of `size` consecutive items (a sliding window), for checks like "20 requests in a row". */
export function windows<T>(items: readonly T[], size: number): T[][] {
  const all: T[][] = [];
  for (let i = 0; i + size <= items.length; i++) all.push(items.slice(i, i + size));
  return all;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function logsOf(events: readonly SandboxEvent[], node: string, text: string): Event<'log'>[] {
  return events.filter((e): e is Event<'log'> => e.type === 'log' && e.node === node && e.text === text);
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/**
 * A request the dead server had already been sent ends `SH--` (502): no retry can move it, in HAProxy as here (a
 * redispatch moves a connection that failed, FIDELITY.md 1.5; only HAProxy 2.0's `retry-on` L7 retries resend a
 * request). Any other failure after the death is one that `option redispatch` prevents.
 */
export const caughtDying = (server: string) => (r: { server: string | null; termination: string }) =>
  r.server === server && r.termination === 'SH--';

/** "none failed", "28 failed (503 x 28)"; requests the server was answering as it died (502 `SH--`) said as such. */
export function failures(server: string, failed: ReturnType<typeof balancerRequests>): string {
  if (!failed.length) return 'none failed';
  const counted = (list: typeof failed) =>
    `${list.length} failed (${describeCounts(
      countBy(list, (r) => String(r.status)),
      'x',
    )})`;
  const caught = failed.filter(caughtDying(server));
  const others = failed.filter((r) => !caughtDying(server)(r));
  const dying = `${plural(caught.length, 'request')} ${server} was answering as it died (502 SH--: a request already sent is not redispatched)`;
  if (!others.length) return `none failed but the ${dying}`;
  return caught.length ? `${counted(others)}, besides the ${dying}` : counted(others);
}
