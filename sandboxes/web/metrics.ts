// The web server's RED metrics (Rate, Errors, Duration) in Prometheus text format, named as the Prometheus
// instrumentation guidelines and most HTTP middlewares name them.
import { CONTENT_TYPE, exposition, histogramSamples, type Sample } from '../shared/prometheus';

// From 5 ms (a healthy answer on loopback) to 10 s (a badly slowed server).
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Durations {
  /** Observations per bucket, not cumulative; the last one counts those above every bucket. */
  counts: number[];
  sum: number;
}

export function createMetrics(server: string) {
  // Series in the order they first appeared, keyed by their labels.
  const requests = new Map<string, { method: string; code: string; count: number }>();
  const durations = new Map<string, Durations>();
  return {
    contentType: CONTENT_TYPE,
    observe(method: string, code: number, seconds: number) {
      const key = `${method} ${code}`;
      const series = requests.get(key) ?? { method, code: String(code), count: 0 };
      series.count += 1;
      requests.set(key, series);
      const histogram = durations.get(method) ?? { counts: new Array<number>(BUCKETS.length + 1).fill(0), sum: 0 };
      const bucket = BUCKETS.findIndex((le) => seconds <= le);
      histogram.counts[bucket === -1 ? BUCKETS.length : bucket] += 1;
      histogram.sum += seconds;
      durations.set(method, histogram);
    },
    /** The /metrics page. Every series carries the server's name, as a scrape target's `instance` label would. */
    text(): string {
      const counted: Sample[] = [...requests.values()].map(({ method, code, count }) => ({ labels: { method, code, server }, value: count }));
      const timed = [...durations].flatMap(([method, { counts, sum }]) => histogramSamples(BUCKETS, counts, sum, { server, method }));
      return exposition([
        { name: 'http_requests_total', help: 'HTTP requests answered, by method and status code.', type: 'counter', samples: counted },
        { name: 'http_request_duration_seconds', help: 'Time from receiving a request to the end of its answer.', type: 'histogram', samples: timed },
      ]);
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
