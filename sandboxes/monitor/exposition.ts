// The Prometheus text exposition format (version 0.0.4), parsed strictly enough to tell a learner what is wrong with
// a /metrics page: https://prometheus.io/docs/instrumenting/exposition_formats/ (FIDELITY.md 5.1).

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Exposition {
  samples: Sample[];
  /** `# TYPE` per metric family; missing means untyped. */
  types: Map<string, MetricType>;
  help: Map<string, string>;
}

export class ExpositionError extends Error {}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})?\\s+(\\S+)(?:\\s+(-?\\d+))?\\s*$`);
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(,|$)/y;

function parseValue(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  const value = Number(text);
  if (text.trim() === '' || Number.isNaN(value))
    throw new Error(`"${text}" is not a number (use digits, NaN, +Inf or -Inf)`);
  return value;
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const at = LABEL.lastIndex;
    const m = LABEL.exec(text);
    if (!m) throw new Error(`bad label at "${text.slice(at)}": expected name="value"`);
    labels[m[1]] = m[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    if (m[3] === '') break;
  }
  return labels;
}

/** The family a sample belongs to: x_bucket, x_sum and x_count belong to histogram/summary x. */
function familyOf(name: string, types: Map<string, MetricType>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    const base = name.slice(0, -suffix.length);
    if (name.endsWith(suffix) && (types.get(base) === 'histogram' || types.get(base) === 'summary')) return base;
  }
  return name;
}

/** Parses a /metrics page; throws ExpositionError naming the line for anything Prometheus would refuse. */
export function parseExposition(text: string): Exposition {
  const result: Exposition = { samples: [], types: new Map(), help: new Map() };
  const finished = new Set<string>(); // families whose group of samples has ended: they may not appear again
  let current: string | undefined;
  text.split('\n').forEach((line, i) => {
    const fail = (message: string): never => {
      throw new ExpositionError(`line ${i + 1}: ${message}: ${line}`);
    };
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const m = /^#\s+(HELP|TYPE)\s+(\S+)\s*(.*)$/.exec(line);
      if (!m) return; // any other comment is ignored
      const [, kind, name, rest] = m;
      if (kind === 'TYPE') {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest))
          fail(`unknown metric type "${rest}"`);
        if (result.types.has(name)) fail(`second TYPE line for ${name}`);
        if (result.samples.some((s) => familyOf(s.name, result.types) === name))
          fail(`TYPE for ${name} after its samples`);
        result.types.set(name, rest as MetricType);
      } else result.help.set(name, rest.replace(/\\n/g, '\n').replace(/\\\\/g, '\\'));
      return;
    }
    const m = SAMPLE.exec(line) ?? fail('not a sample line (expected: name{label="value"} value)');
    let labels: Record<string, string> = {};
    let value = 0;
    try {
      labels = m[2] ? parseLabels(m[2]) : {};
      value = parseValue(m[3]);
    } catch (error) {
      fail((error as Error).message);
    }
    const family = familyOf(m[1], result.types);
    if (family !== current) {
      if (finished.has(family)) fail(`samples of ${family} are not in one group`);
      if (current) finished.add(current);
      current = family;
    }
    result.samples.push({ name: m[1], labels, value });
  });
  for (const [name, type] of result.types) {
    if (type !== 'histogram') continue;
    const inf = result.samples.filter((s) => s.name === `${name}_bucket` && s.labels.le === '+Inf');
    if (result.samples.some((s) => s.name === `${name}_bucket`) && inf.length === 0) {
      throw new ExpositionError(`histogram ${name} has no le="+Inf" bucket`);
    }
  }
  return result;
}
