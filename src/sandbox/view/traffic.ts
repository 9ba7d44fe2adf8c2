// Requests per second, errors and latency, bucketed by the second of the run they happened in (the events' own
// time, not the clock's), so a replay draws the same charts as the live run did.
import type { ClientReport } from '../../../sandboxes/contracts/commands';

export type Outcome = 'ok' | 'error' | 'denied' | 'dropped';

export interface Bucket {
  /** Whole seconds since the scenario started. */
  second: number;
  total: number;
  /** Answers the client saw as failures: 5xx and dropped connections (a 403/429 is the balancer doing its job). */
  errors: number;
  perServer: Record<string, number>;
  /** Requests each balancer passed on (or answered itself), by the balancer's name. */
  perBalancer: Record<string, number>;
  latencies: number[];
  /** What the clients saw this second (their `client.requests` reports), when a `load` runs. */
  clients?: ClientSecond;
  /** Worst replay lag per replica seen in this second. */
  lag_ms: Record<string, number>;
}

/**
 * A second of client traffic: what was sent, what came back, and the failures as the clients see them (5xx,
 * refused, reset, timed out; a 403 or 429 is an answer, as in `errors` above).
 */
export interface ClientSecond {
  sent: number;
  completed: number;
  failed: number;
  /** The worst p95 of the reports in this second. */
  p95_ms: number | null;
}

export interface Traffic {
  /** Oldest first, at most WINDOW_SECONDS of them. */
  buckets: Bucket[];
}

export const WINDOW_SECONDS = 120;

export const emptyTraffic = (): Traffic => ({ buckets: [] });

export interface Observed {
  time: number;
  server?: string;
  /** The balancer it went through. */
  via?: string;
  outcome: Outcome;
  duration_ms: number;
}

/** The traffic with a writable copy of the bucket for `time`'s second (created when new), or undefined for a past second. */
function atSecond(traffic: Traffic, time: number): { buckets: Bucket[]; bucket: Bucket } | undefined {
  const second = Math.floor(time / 1000);
  const buckets = traffic.buckets.slice();
  const last = buckets[buckets.length - 1];
  // Events arrive in order; an older second is a late straggler not worth rewriting history for.
  if (last && last.second > second) return undefined;
  const bucket: Bucket =
    last && last.second === second
      ? {
          ...last,
          perServer: { ...last.perServer },
          perBalancer: { ...last.perBalancer },
          latencies: last.latencies.slice(),
          lag_ms: { ...last.lag_ms },
        }
      : { second, total: 0, errors: 0, perServer: {}, perBalancer: {}, latencies: [], lag_ms: {} };
  if (bucket.second === last?.second) buckets[buckets.length - 1] = bucket;
  else buckets.push(bucket);
  while (buckets[0].second <= second - WINDOW_SECONDS) buckets.shift();
  return { buckets, bucket };
}

export function observe(traffic: Traffic, request: Observed): Traffic {
  const at = atSecond(traffic, request.time);
  if (!at) return traffic;
  const { bucket } = at;
  bucket.total += 1;
  if (request.outcome === 'error' || request.outcome === 'dropped') bucket.errors += 1;
  if (request.server) bucket.perServer[request.server] = (bucket.perServer[request.server] ?? 0) + 1;
  if (request.via) bucket.perBalancer[request.via] = (bucket.perBalancer[request.via] ?? 0) + 1;
  bucket.latencies.push(request.duration_ms);
  return { buckets: at.buckets };
}

/** A client report, counted in the second its span was mostly in (it arrives at the span's end). */
export function observeClients(traffic: Traffic, time: number, report: ClientReport): Traffic {
  const at = atSecond(traffic, time - report.interval_ms / 2);
  if (!at) return traffic;
  const { answered } = report;
  const failed = answered['5xx'] + report.refused + report.timed_out + report.reset + report.other;
  const completed = answered['2xx'] + answered['3xx'] + answered['4xx'] + failed;
  const was = at.bucket.clients ?? { sent: 0, completed: 0, failed: 0, p95_ms: null };
  const p95_ms = report.p95_ms === null ? was.p95_ms : Math.max(was.p95_ms ?? 0, report.p95_ms);
  at.bucket.clients = {
    sent: was.sent + report.sent,
    completed: was.completed + completed,
    failed: was.failed + failed,
    p95_ms,
  };
  return { buckets: at.buckets };
}

/** A replica's replay lag (pg_stat_replication's replay_lag, in ms) at a moment: the chart keeps each second's worst. */
export function observeLag(traffic: Traffic, time: number, replica: string, lag_ms: number): Traffic {
  const at = atSecond(traffic, time);
  if (!at) return traffic;
  at.bucket.lag_ms[replica] = Math.max(at.bucket.lag_ms[replica] ?? 0, lag_ms);
  return { buckets: at.buckets };
}

/** The nearest-rank percentile (p in 0..100) of a list of numbers; undefined for an empty list. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Columns for the charts: one entry per second from `from` to `to` inclusive; quiet seconds count 0 requests. */
export interface Series {
  seconds: number[];
  perServer: Record<string, number[]>;
  errorRate: (number | null)[];
  p95: (number | null)[];
  lag_ms: Record<string, (number | null)[]>;
}

export function series(
  traffic: Traffic,
  servers: readonly string[],
  replicas: readonly string[],
  from: number,
  to: number,
): Series {
  const bySecond = new Map(traffic.buckets.map((b) => [b.second, b]));
  const out: Series = {
    seconds: [],
    perServer: Object.fromEntries(servers.map((s) => [s, []])),
    errorRate: [],
    p95: [],
    lag_ms: Object.fromEntries(replicas.map((r) => [r, []])),
  };
  for (let s = from; s <= to; s++) {
    const b = bySecond.get(s);
    out.seconds.push(s);
    for (const name of servers) out.perServer[name].push(b?.perServer[name] ?? 0);
    out.errorRate.push(errorRate(b));
    out.p95.push(b?.clients?.p95_ms ?? (b ? (percentile(b.latencies, 95) ?? null) : null));
    for (const name of replicas) out.lag_ms[name].push(b?.lag_ms[name] ?? null);
  }
  return out;
}

/**
 * The share of failed requests in a second, in percent: of what the clients sent when they report (a request that
 * never reached a node, refused or timed out, is only seen there: a dead balancer is 100 %), else of the requests
 * the nodes logged. Failures that arrive after the sending stopped are counted against what completed, so it never
 * passes 100 %. Null for a second without any request.
 */
function errorRate(b: Bucket | undefined): number | null {
  if (b?.clients) {
    const of = Math.max(b.clients.sent, b.clients.completed);
    if (of > 0) return (100 * b.clients.failed) / of;
  }
  return b && b.total ? (100 * b.errors) / b.total : null;
}
