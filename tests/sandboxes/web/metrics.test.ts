// A web server's /metrics text, whole, as prom-client writes it for the server's RED metrics and its pool's
// saturation: the names, labels and buckets the monitoring lessons and alert rules rely on.
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../sandboxes/web/metrics';

const buckets = (method: string, counts: number[]) =>
  ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'].map(
    (le, i) => `http_request_duration_seconds_bucket{le="${le}",server="web-01",method="${method}"} ${counts[i]}`,
  );

/** The pool as the metrics see it: 2 of 5 workers busy, 3 requests waiting. */
const pool = () => ({ workers: 5, busy: 2, queued: 3 });
const saturation = [
  '# HELP web_workers Requests the server can serve at once (--workers).',
  '# TYPE web_workers gauge',
  'web_workers{server="web-01"} 5',
  '',
  '# HELP web_workers_busy Workers serving a request now.',
  '# TYPE web_workers_busy gauge',
  'web_workers_busy{server="web-01"} 2',
  '',
  '# HELP web_queue_length Requests waiting in the backlog for a free worker.',
  '# TYPE web_queue_length gauge',
  'web_queue_length{server="web-01"} 3',
  '',
];

describe("a web server's metrics", () => {
  it('lists HELP and TYPE before any request, and the pool as it is now', async () => {
    expect(await createMetrics('web-01', pool).registry.metrics()).toBe(
      [
        '# HELP http_requests_total HTTP requests answered, by method and status code.',
        '# TYPE http_requests_total counter',
        '',
        '# HELP http_request_duration_seconds Time from receiving a request to the end of its answer.',
        '# TYPE http_request_duration_seconds histogram',
        '',
        ...saturation,
      ].join('\n'),
    );
  });

  it('counts requests by method and code, and durations in cumulative buckets (a bucket holds what equals its bound)', async () => {
    const metrics = createMetrics('web-01', pool);
    metrics.observe('GET', 200, 0.003);
    metrics.observe('GET', 200, 0.5);
    metrics.observe('POST', 503, 12);
    metrics.observe('GET', 404, 0.1);
    expect(await metrics.registry.metrics()).toBe(
      [
        '# HELP http_requests_total HTTP requests answered, by method and status code.',
        '# TYPE http_requests_total counter',
        'http_requests_total{method="GET",code="200",server="web-01"} 2',
        'http_requests_total{method="POST",code="503",server="web-01"} 1',
        'http_requests_total{method="GET",code="404",server="web-01"} 1',
        '',
        '# HELP http_request_duration_seconds Time from receiving a request to the end of its answer.',
        '# TYPE http_request_duration_seconds histogram',
        ...buckets('GET', [1, 1, 1, 1, 2, 2, 3, 3, 3, 3, 3, 3]),
        'http_request_duration_seconds_sum{server="web-01",method="GET"} 0.603',
        'http_request_duration_seconds_count{server="web-01",method="GET"} 3',
        ...buckets('POST', [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
        'http_request_duration_seconds_sum{server="web-01",method="POST"} 12',
        'http_request_duration_seconds_count{server="web-01",method="POST"} 1',
        '',
        ...saturation,
      ].join('\n'),
    );
  });
});
