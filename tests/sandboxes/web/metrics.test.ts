// A web server's /metrics text, whole, as prom-client writes it for the server's RED metrics: the names, labels and
// buckets the monitoring lessons and alert rules rely on.
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../sandboxes/web/metrics';

const buckets = (method: string, counts: number[]) =>
  ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'].map(
    (le, i) => `http_request_duration_seconds_bucket{le="${le}",server="web-01",method="${method}"} ${counts[i]}`,
  );

describe("a web server's metrics", () => {
  it('lists HELP and TYPE before any request', async () => {
    expect(await createMetrics('web-01').registry.metrics()).toBe(
      [
        '# HELP http_requests_total HTTP requests answered, by method and status code.',
        '# TYPE http_requests_total counter',
        '',
        '# HELP http_request_duration_seconds Time from receiving a request to the end of its answer.',
        '# TYPE http_request_duration_seconds histogram',
        '',
      ].join('\n'),
    );
  });

  it('counts requests by method and code, and durations in cumulative buckets (a bucket holds what equals its bound)', async () => {
    const metrics = createMetrics('web-01');
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
      ].join('\n'),
    );
  });
});
