// The web server's RED metrics (Rate, Errors, Duration) in Prometheus text format, named as the Prometheus
// instrumentation guidelines and most HTTP middlewares name them.
// Each class from its own file: prom-client's index also loads its Pushgateway, and with it node:https, node:tls and
// node:zlib, about a fifth of a web server's start (bench/process-start.mjs) for a client no sandbox program uses.
import Counter from 'prom-client/lib/counter';
import Gauge from 'prom-client/lib/gauge';
import Histogram from 'prom-client/lib/histogram';
import Registry from 'prom-client/lib/registry';
import type { PoolSample } from './capacity';

export function createMetrics(server: string, pool: () => Pick<PoolSample, 'workers' | 'busy' | 'queued'>) {
  const registry = new Registry();
  // Every series carries the server's name, as a scrape target's `instance` label would tell them apart.
  registry.setDefaultLabels({ server });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method and status code.',
    labelNames: ['method', 'code'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from receiving a request to the end of its answer.',
    labelNames: ['method'] as const,
    // From 5 ms (a healthy answer on loopback) to 10 s (a badly slowed server).
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  // Saturation, the S of the USE method: how many workers are busy out of how many, and how many requests wait
  // (PHP-FPM's status page calls them "active processes", "max children" and "listen queue").
  const gauge = (name: string, help: string, value: (p: ReturnType<typeof pool>) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(value(pool()));
      },
    });
  gauge('web_workers', 'Requests the server can serve at once (--workers).', (p) => p.workers);
  gauge('web_workers_busy', 'Workers serving a request now.', (p) => p.busy);
  gauge('web_queue_length', 'Requests waiting in the backlog for a free worker.', (p) => p.queued);
  return {
    registry,
    observe(method: string, code: number, seconds: number) {
      requests.inc({ method, code: String(code) });
      duration.observe({ method }, seconds);
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
