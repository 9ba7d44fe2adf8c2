// What `load` measures, kept apart from the sending: per-server counts (from the X-Served-By header every web
// server adds), errors by kind, and latency percentiles of the answered requests; and, span by span, what the
// supervisor is told the clients saw.
import type { ClientReport } from '../contracts/commands';

export type Outcome =
  { answered: true; status: number; servedBy: string | undefined; ms: number } | { answered: false; kind: string };

/** What the clients saw since the last report (see ../contracts/commands.ts, ClientReport). */
export type Span = Omit<ClientReport, 'url' | 'interval_ms'>;

export class LoadStats {
  sent = 0;
  /** The current span for the supervisor's `clients` report: taken and restarted by takeSpan(). */
  private span = emptySpan();
  private spanLatencies: number[] = [];
  private sentBefore = 0;
  readonly servers = new Map<string, number>();
  /** HTTP error statuses ("503", "429") and failures without an answer ("connection refused", "timeout"). */
  readonly errors = new Map<string, number>();
  private latencies: number[] = [];
  private sorted = true;

  record(outcome: Outcome): void {
    this.count(outcome);
    if (outcome.answered) {
      this.latencies.push(outcome.ms);
      this.sorted = false;
      // As wrk and vegeta count them: a 4xx or 5xx is a failed request, whoever sent it (a 429 from the balancer's
      // rate limit, a 503 when no server is left).
      if (outcome.status >= 400) bump(this.errors, String(outcome.status));
      else bump(this.servers, outcome.servedBy ?? '(no X-Served-By)');
    } else {
      bump(this.errors, outcome.kind);
    }
  }

  /** What was sent and seen since the last call: one `clients` report. */
  takeSpan(): Span {
    const span = {
      ...this.span,
      sent: this.sent - this.sentBefore,
      p95_ms:
        nearestRank(
          this.spanLatencies.sort((a, b) => a - b),
          95,
        ) ?? null,
    };
    this.span = emptySpan();
    this.spanLatencies = [];
    this.sentBefore = this.sent;
    return span;
  }

  private count(outcome: Outcome): void {
    if (outcome.answered) {
      const status = `${Math.min(5, Math.max(2, Math.floor(outcome.status / 100)))}xx` as keyof Span['answered'];
      this.span.answered[status]++;
      this.spanLatencies.push(outcome.ms);
    } else this.span[failureKinds[outcome.kind] ?? 'other']++;
  }

  get done(): number {
    return this.ok + this.failed;
  }

  get ok(): number {
    return sum(this.servers);
  }

  get failed(): number {
    return sum(this.errors);
  }

  /** Nearest-rank percentile of the answered requests' latency, in ms (undefined before any answer). */
  percentile(p: number): number | undefined {
    if (this.latencies.length === 0) return undefined;
    if (!this.sorted) this.latencies.sort((a, b) => a - b);
    this.sorted = true;
    return nearestRank(this.latencies, p);
  }
}

function nearestRank(sorted: readonly number[], p: number): number | undefined {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : undefined;
}

/** curl's failures (CurlError.kind) as the report counts them: a refused connection, a timeout, a reset. */
const failureKinds: Record<string, 'refused' | 'timed_out' | 'reset'> = {
  'connection refused': 'refused',
  timeout: 'timed_out',
  'connect timeout': 'timed_out',
  'connection reset': 'reset',
  'empty reply': 'reset',
};

const emptySpan = () => ({
  answered: { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 },
  refused: 0,
  timed_out: 0,
  reset: 0,
  other: 0,
});

function bump(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

function sum(counts: Map<string, number>): number {
  let total = 0;
  for (const n of counts.values()) total += n;
  return total;
}

export function formatMs(ms: number | undefined): string {
  if (ms === undefined) return '-';
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

const sorted = (counts: Map<string, number>) => [...counts].sort(([a], [b]) => a.localeCompare(b));

/** The live one-liner, e.g. "3.0 s  sent 30  web-01 15  web-02 14  errors 1  p50 2.1 ms p95 4.0 ms p99 6.2 ms". */
export function liveLine(stats: LoadStats, seconds: number): string {
  const servers = sorted(stats.servers).map(([name, n]) => `${name} ${n}`);
  const errors = stats.failed
    ? [
        `errors ${sorted(stats.errors)
          .map(([kind, n]) => `${kind}×${n}`)
          .join(' ')}`,
      ]
    : [];
  const latency = `p50 ${formatMs(stats.percentile(50))} p95 ${formatMs(stats.percentile(95))} p99 ${formatMs(stats.percentile(99))}`;
  return [`${seconds.toFixed(1)} s`, `sent ${stats.sent}`, ...servers, ...errors, latency].join('  ');
}

/** The closing report. */
export function finalSummary(stats: LoadStats, seconds: number, stoppedEarly: boolean): string {
  const pct = (n: number) => (stats.done ? `${Math.round((100 * n) / stats.done)}%` : '-');
  const servers =
    sorted(stats.servers)
      .map(([name, n]) => `${name} ${n} (${pct(n)})`)
      .join('  ') || 'none';
  const errors =
    sorted(stats.errors)
      .map(([kind, n]) => `${kind} ×${n}`)
      .join('  ') || 'none';
  const unanswered = stats.sent - stats.done;
  return [
    `${stats.sent} requests in ${seconds.toFixed(1)} s (${(stats.sent / Math.max(seconds, 0.001)).toFixed(1)}/s)${stoppedEarly ? ', stopped by Ctrl-C' : ''}: ` +
      `${stats.ok} ok, ${stats.failed} failed${unanswered ? `, ${unanswered} cancelled` : ''}`,
    `  served by  ${servers}`,
    `  errors     ${errors}`,
    `  latency    p50 ${formatMs(stats.percentile(50))}  p95 ${formatMs(stats.percentile(95))}  p99 ${formatMs(stats.percentile(99))}  max ${formatMs(stats.percentile(100))}`,
  ].join('\n');
}
