import { describe, expect, it } from 'vitest';
import { LoadStats } from '../../../sandboxes/shell/load-stats';

describe("load's report of what the clients saw", () => {
  it('counts each span once: answers by status class, failures by kind, the p95 of its answers', () => {
    const stats = new LoadStats();
    stats.sent = 6;
    for (const ms of [2, 4]) stats.record({ answered: true, status: 200, servedBy: 'web-01', ms });
    stats.record({ answered: true, status: 503, servedBy: undefined, ms: 9 });
    stats.record({ answered: true, status: 429, servedBy: undefined, ms: 1 });
    stats.record({ answered: false, kind: 'connection refused' });
    stats.record({ answered: false, kind: 'TLS handshake' });
    expect(stats.takeSpan()).toEqual({
      sent: 6,
      answered: { '2xx': 2, '3xx': 0, '4xx': 1, '5xx': 1 },
      refused: 1,
      timed_out: 0,
      reset: 0,
      other: 1,
      p95_ms: 9,
    });

    stats.sent = 8;
    for (const kind of ['timeout', 'connect timeout', 'connection reset', 'empty reply'])
      stats.record({ answered: false, kind });
    expect(stats.takeSpan()).toEqual({
      sent: 2,
      answered: { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 },
      refused: 0,
      timed_out: 2,
      reset: 2,
      other: 0,
      p95_ms: null,
    });
    // The totals for the closing summary are untouched by the spans.
    expect([stats.ok, stats.failed, stats.percentile(50)]).toEqual([2, 8, 2]);
  });
});
