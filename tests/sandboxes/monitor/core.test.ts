// The monitor's pure parts: the exposition parser, the PromQL subset over short series, and the alert states.
import { describe, expect, it } from 'vitest';
import { RuleState } from '../../../sandboxes/monitor/alerts';
import { parseExposition } from '../../../sandboxes/monitor/exposition';
import { compile, evaluate, thresholdMeasure } from '../../../sandboxes/monitor/promql';
import { Tsdb } from '../../../sandboxes/monitor/tsdb';

describe('the Prometheus text format', () => {
  it("reads the specification's example, with types, labels, timestamps and special values", () => {
    const page = parseExposition(
      [
        '# HELP http_requests_total The total number of HTTP requests.',
        '# TYPE http_requests_total counter',
        'http_requests_total{method="post",code="200"} 1027 1395066363000',
        'http_requests_total{method="post",code="400"}    3 1395066363000',
        'msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9',
        '# TYPE http_request_duration_seconds histogram',
        'http_request_duration_seconds_bucket{le="0.05"} 24054',
        'http_request_duration_seconds_bucket{le="+Inf"} 144320',
        'http_request_duration_seconds_sum 53423',
        'http_request_duration_seconds_count 144320',
        'something_weird{problem="division by zero"} +Inf -3982045',
        '',
      ].join('\n'),
    );
    expect(page.types.get('http_requests_total')).toBe('counter');
    expect(page.samples[0]).toEqual({
      name: 'http_requests_total',
      labels: { method: 'post', code: '200' },
      value: 1027,
    });
    expect(page.samples[2].labels).toEqual({ path: 'C:\\DIR\\FILE.TXT', error: 'Cannot find file:\n"FILE.TXT"' });
    expect(page.samples.at(-1)!.value).toBe(Infinity);
  });

  it('rejects what Prometheus would refuse, naming the line', () => {
    expect(() => parseExposition('up 1\nup{x="1" 2\n')).toThrow(/^line 2: not a sample line/);
    expect(() => parseExposition('a 1\nb 2\na 3\n')).toThrow('line 3: samples of a are not in one group');
    expect(() => parseExposition('x one\n')).toThrow('"one" is not a number');
    expect(() => parseExposition('# TYPE h histogram\nh_bucket{le="1"} 1\nh_count 1\n')).toThrow(
      'histogram h has no le="+Inf" bucket',
    );
  });
});

/** Two web servers' request counters, scraped every second for a minute: web-02 fails 1 request in 10. */
function twoServers(): Tsdb {
  const db = new Tsdb();
  for (let s = 0; s <= 60; s++) {
    const t = s * 1000;
    for (const [instance, errors] of [
      ['10.0.0.11:80', 0],
      ['10.0.0.12:80', 1],
    ] as const) {
      db.append({ __name__: 'http_requests_total', job: 'web', instance, code: '200' }, t, s * (10 - errors));
      db.append({ __name__: 'http_requests_total', job: 'web', instance, code: '500' }, t, s * errors);
      db.append({ __name__: 'up', job: 'web', instance }, t, 1);
    }
  }
  return db;
}

describe('the PromQL subset', () => {
  it('computes a per-instance 5xx ratio from counters', () => {
    const ratio = compile(
      'sum by (instance) (rate(http_requests_total{code=~"5.."}[30s])) / sum by (instance) (rate(http_requests_total[30s])) > 0.05',
    );
    expect(evaluate(ratio, twoServers(), 60_000)).toEqual([{ labels: { instance: '10.0.0.12:80' }, value: 0.1 }]);
  });

  it('counts a counter reset as a restart from zero, and filters with comparisons', () => {
    const db = new Tsdb();
    [5, 10, 2, 6].forEach((v, i) => db.append({ __name__: 'c', job: 'x' }, i * 1000, v));
    expect(evaluate(compile('increase(c[10s])'), db, 3000)[0].value).toBeCloseTo(((5 + 2 + 4) / 3) * 10);
    expect(evaluate(compile('up == 0'), twoServers(), 60_000)).toEqual([]);
    expect(evaluate(compile('count(up) + 1'), twoServers(), 60_000)).toEqual([{ labels: {}, value: 3 }]);
  });

  it('explains a query it cannot read', () => {
    expect(() => compile('rate(http_requests_total)')).toThrow('expected "[" but found ")"');
    expect(() => compile('up == ')).toThrow('expected an expression but found the end');
  });

  it("drops a target's series at once when its scrape fails (staleness)", () => {
    const db = twoServers();
    db.markStale((l) => l.instance === '10.0.0.12:80', 61_000);
    expect(evaluate(compile('http_requests_total{code="500"}'), db, 61_500).map((s) => s.labels.instance)).toEqual([
      '10.0.0.11:80',
    ]);
  });
});

describe('alert rules', () => {
  it('go pending, then firing after `for`, then resolved when the condition clears', () => {
    const db = new Tsdb();
    const rule = new RuleState({
      alert: 'InstanceDown',
      expr: 'up == 0',
      forMs: 3000,
      labels: { severity: 'page' },
      annotations: { summary: 'Instance {{ $labels.instance }} down' },
    });
    const at = (t: number, up: number) => {
      db.append({ __name__: 'up', job: 'web', instance: '10.0.0.11:80' }, t, up);
      return rule.evaluate(db, t).map((x) => `${x.state} ${x.labels.instance} ${x.annotations.summary}`);
    };
    expect(at(0, 1)).toEqual([]);
    expect(at(1000, 0)).toEqual(['pending 10.0.0.11:80 Instance 10.0.0.11:80 down']);
    expect(at(3000, 0)).toEqual([]);
    expect(at(4000, 0)).toEqual(['firing 10.0.0.11:80 Instance 10.0.0.11:80 down']);
    expect(at(5000, 1)).toEqual(['resolved 10.0.0.11:80 Instance 10.0.0.11:80 down']);
    // A condition that clears while pending never fires and is never "resolved".
    expect(at(6000, 0)).toEqual(['pending 10.0.0.11:80 Instance 10.0.0.11:80 down']);
    expect(at(7000, 1)).toEqual([]);
  });

  it('resolve a threshold alert with the measure it resolved at, not the last value above the threshold', () => {
    const db = new Tsdb();
    const rule = new RuleState({
      alert: 'HighErrorRate',
      expr: 'sum by (instance) (rate(http_requests_total{code=~"5.."}[10s])) / sum by (instance) (rate(http_requests_total[10s])) > 0.05',
      forMs: 0,
      labels: {},
      annotations: { summary: '{{ $labels.instance }} answers {{ $value }} of its requests with 5xx' },
    });
    // 10 requests a second, 3 of them 500 until t = 10 s, then every answer a 200 (the server repaired).
    const at = (t: number) => {
      const errors = (3 * Math.min(t, 10_000)) / 1000;
      db.append({ __name__: 'http_requests_total', instance: 'web-02', code: '500' }, t, errors);
      db.append({ __name__: 'http_requests_total', instance: 'web-02', code: '200' }, t, t / 100 - errors);
      return rule.evaluate(db, t).map((x) => `${x.state} ${x.annotations.summary}`);
    };
    expect(at(0)).toEqual([]);
    expect(at(2000)).toEqual(['firing web-02 answers 0.3 of its requests with 5xx']);
    // Scraped and evaluated every 2 s: the share falls as the errors leave the 10 s window (0.075 at 16 s, the last
    // value above the threshold), and the alert resolves at the first evaluation at or under 5 %, saying so.
    const later = Array.from({ length: 9 }, (_, i) => 4000 + i * 2000).flatMap(at);
    expect(later).toEqual(['resolved web-02 answers 0 of its requests with 5xx']);
    // Rules of another form keep Prometheus's behaviour: the annotations of the last active evaluation.
    expect(thresholdMeasure('up == 0')).toBeDefined();
    expect(thresholdMeasure('absent(up)')).toBeUndefined();
  });
});
