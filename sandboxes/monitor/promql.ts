// A small subset of PromQL, enough for the alert rules people actually write for this stack:
//   up == 0
//   pg_replication_lag_seconds > 5
//   haproxy_backend_active_servers + haproxy_backend_backup_servers == 0
//   sum by (proxy) (rate(haproxy_server_http_responses_total{code="5xx"}[1m])) / sum by (proxy) (rate(haproxy_server_http_responses_total[1m])) > 0.05
//   increase(haproxy_server_check_failures_total[1m]) > 2
// Selectors with = != =~ !~ matchers, rate/increase over a range, sum/avg/min/max/count [by (...)], + - * /, and
// comparisons that filter (as PromQL's do without `bool`). rate() does not extrapolate to the range's edges as
// Prometheus does: over a few scrapes the numbers differ slightly, the alerts do not.
import { keyOf, type Labels, type Tsdb } from './tsdb';

type Vector = { labels: Labels; value: number }[];
type Value = Vector | number;
type Node = (db: Tsdb, t: number) => Value;

export class QueryError extends Error {}

const TOKEN =
  /\s*(?:(\d+(?:\.\d+)?(?:ms|s|m|h|d)\b)|(\d+(?:\.\d+)?(?:e[+-]?\d+)?)|([a-zA-Z_:][a-zA-Z0-9_:]*)|("(?:[^"\\]|\\.)*")|(==|!=|>=|<=|=~|!~|[-+*/(){}[\],=<>]))/y;

/** Prometheus durations: 500ms, 30s, 5m, 1h, 1d. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!m) throw new QueryError(`bad duration "${text}": use a number and a unit, e.g. 30s, 5m, 1h`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms']!;
}

function tokenize(query: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < query.length) {
    if (/^\s*$/.test(query.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(query);
    if (!m) throw new QueryError(`unexpected character at position ${at + 1} of "${query}"`);
    tokens.push(m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5]);
  }
  return tokens;
}

const withoutName = ({ __name__: _, ...rest }: Labels) => rest;
const COMPARE: Record<string, (a: number, b: number) => boolean> = {
  '>': (a, b) => a > b,
  '<': (a, b) => a < b,
  '>=': (a, b) => a >= b,
  '<=': (a, b) => a <= b,
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
};
const ARITH: Record<string, (a: number, b: number) => number> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => a / b,
};

/** Applies a binary operator: scalar/scalar, vector/scalar, or vector/vector matched one-to-one on labels. */
function binary(op: string, left: Value, right: Value): Value {
  const comparison = op in COMPARE;
  const apply = (a: number, b: number) => (comparison ? a : ARITH[op](a, b));
  const keep = (a: number, b: number) => !comparison || COMPARE[op](a, b);
  if (typeof left === 'number' && typeof right === 'number')
    return comparison ? Number(COMPARE[op](left, right)) : ARITH[op](left, right);
  if (typeof right === 'number') {
    return (left as Vector)
      .filter((s) => keep(s.value, right))
      .map((s) => ({ labels: comparison ? s.labels : withoutName(s.labels), value: apply(s.value, right) }));
  }
  if (typeof left === 'number') {
    return right
      .filter((s) => keep(left, s.value))
      .map((s) => ({ labels: withoutName(s.labels), value: comparison ? s.value : ARITH[op](left, s.value) }));
  }
  const byKey = new Map(right.map((s) => [keyOf(withoutName(s.labels)), s]));
  const out: Vector = [];
  for (const s of left) {
    const other = byKey.get(keyOf(withoutName(s.labels)));
    if (other && keep(s.value, other.value))
      out.push({ labels: comparison ? s.labels : withoutName(s.labels), value: apply(s.value, other.value) });
  }
  return out;
}

/** The increase of a counter over its points, counting a drop as a restart from zero (as Prometheus does). */
function counterIncrease(points: { v: number }[]): number {
  let total = 0;
  for (let i = 1; i < points.length; i++)
    total += points[i].v >= points[i - 1].v ? points[i].v - points[i - 1].v : points[i].v;
  return total;
}

const AGGREGATE: Record<string, (values: number[]) => number> = {
  sum: (v) => v.reduce((a, b) => a + b, 0),
  avg: (v) => v.reduce((a, b) => a + b, 0) / v.length,
  min: (v) => Math.min(...v),
  max: (v) => Math.max(...v),
  count: (v) => v.length,
};

/** Compiles a query into a function of (database, time). Throws QueryError with what was expected where. */
export function compile(query: string): Node {
  const tokens = tokenize(query);
  let at = 0;
  const peek = () => tokens[at];
  const fail = (what: string): never => {
    throw new QueryError(
      `in "${query}": expected ${what} but found ${peek() === undefined ? 'the end' : `"${peek()}"`}`,
    );
  };
  const take = (want?: string) => {
    if (want !== undefined && peek() !== want) fail(`"${want}"`);
    if (peek() === undefined) fail('more');
    return tokens[at++];
  };

  function labelList(): string[] {
    take('(');
    const names: string[] = [];
    while (peek() !== ')') {
      names.push(take());
      if (peek() === ',') take();
    }
    take(')');
    return names;
  }

  function selector(): { name: string; match: (l: Labels) => boolean } {
    const name = take();
    if (!/^[a-zA-Z_:]/.test(name)) fail('a metric name');
    const matchers: ((l: Labels) => boolean)[] = [(l) => l.__name__ === name];
    if (peek() === '{') {
      take('{');
      while (peek() !== '}') {
        const label = take();
        const op = take();
        const raw = take();
        if (!raw.startsWith('"')) fail('a quoted label value');
        const value = JSON.parse(raw) as string;
        const re = new RegExp(`^(?:${value})$`);
        const test = {
          '=': (v: string) => v === value,
          '!=': (v: string) => v !== value,
          '=~': (v: string) => re.test(v),
          '!~': (v: string) => !re.test(v),
        }[op];
        if (!test) fail('one of = != =~ !~');
        matchers.push((l) => test!(l[label] ?? ''));
        if (peek() === ',') take();
      }
      take('}');
    }
    return { name, match: (l) => matchers.every((m) => m(l)) };
  }

  function primary(): Node {
    const token = peek();
    if (token === undefined) fail('an expression');
    if (token === '(') {
      take('(');
      const inner = comparison();
      take(')');
      return inner;
    }
    if (/^\d/.test(token)) {
      const value = Number(take());
      return () => value;
    }
    if (token === 'rate' || token === 'increase') {
      take();
      take('(');
      const { match } = selector();
      take('[');
      const range = parseDuration(take());
      take(']');
      take(')');
      return (db, t) =>
        db
          .range(match, t, range)
          .filter((s) => s.points.length >= 2)
          .map((s) => {
            const increase = counterIncrease(s.points);
            const seconds = (s.points.at(-1)!.t - s.points[0].t) / 1000;
            return {
              labels: withoutName(s.labels),
              value: token === 'rate' ? increase / seconds : (increase / seconds) * (range / 1000),
            };
          });
    }
    if (token in AGGREGATE && tokens[at + 1] !== '{') {
      take();
      let by = peek() === 'by' ? (take(), labelList()) : undefined;
      take('(');
      const inner = comparison();
      take(')');
      if (peek() === 'by') {
        take();
        by = labelList();
      }
      return (db, t) => {
        const value = inner(db, t);
        if (typeof value === 'number') throw new QueryError(`${token}() needs a vector, not a number`);
        const groups = new Map<string, { labels: Labels; values: number[] }>();
        for (const s of value) {
          const labels = Object.fromEntries((by ?? []).filter((k) => k in s.labels).map((k) => [k, s.labels[k]]));
          const group = groups.get(keyOf(labels)) ?? { labels, values: [] };
          groups.set(keyOf(labels), group);
          group.values.push(s.value);
        }
        return [...groups.values()].map((g) => ({ labels: g.labels, value: AGGREGATE[token](g.values) }));
      };
    }
    const { match } = selector();
    return (db, t) => db.instant(match, t);
  }

  function binaryLevel(operators: string[], next: () => Node): () => Node {
    return () => {
      let left = next();
      while (operators.includes(peek())) {
        const op = take();
        const right = next();
        const l = left;
        left = (db, t) => binary(op, l(db, t), right(db, t));
      }
      return left;
    };
  }
  const product = binaryLevel(['*', '/'], primary);
  const sum = binaryLevel(['+', '-'], product);
  const comparison = binaryLevel(Object.keys(COMPARE), sum);

  const root = comparison();
  if (at < tokens.length) fail('an operator or the end of the query');
  return root;
}

/**
 * The measured side of a threshold rule, `<measure> > 0.05`: what such an alert's {{ $value }} is while it fires,
 * and what the measure has become when the alert resolves. Undefined for a query of another form.
 */
export function thresholdMeasure(query: string): Node | undefined {
  const tokens = tokenize(query);
  let depth = 0;
  let at = -1;
  tokens.forEach((token, i) => {
    if (['(', '{', '['].includes(token)) depth++;
    else if ([')', '}', ']'].includes(token)) depth--;
    else if (depth === 0 && token in COMPARE) at = i;
  });
  if (at < 1 || at !== tokens.length - 2 || !/^\d/.test(tokens[at + 1])) return undefined;
  return compile(tokens.slice(0, at).join(' '));
}

/** Evaluates a query at time t; a scalar result becomes a one-element vector with no labels. */
export function evaluate(node: Node, db: Tsdb, t: number): Vector {
  const value = node(db, t);
  return typeof value === 'number' ? [{ labels: {}, value }] : value;
}
