// Metrics in the Prometheus text exposition format (version 0.0.4), as a /metrics page serves them:
// https://prometheus.io/docs/instrumenting/exposition_formats/. Written here rather than with prom-client, whose
// bundle (with OpenTelemetry) was ~170 KB that every web and store node parsed at each start; the text is the same as
// prom-client's, byte for byte.

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type Labels = Record<string, string>;

/** One line of a metric family: `name_suffix{labels} value`. */
export interface Sample {
  suffix?: '_bucket' | '_sum' | '_count';
  labels: Labels;
  value: number;
}

export interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  samples: Sample[];
}

const escapeHelp = (text: string) => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const escapeLabel = (text: string) => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

/** Numbers as Prometheus reads them: NaN, +Inf and -Inf have names. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function sampleLine(name: string, { suffix, labels, value }: Sample): string {
  const pairs = Object.entries(labels).map(([label, text]) => `${label}="${escapeLabel(text)}"`);
  return `${name}${suffix ?? ''}${pairs.length ? `{${pairs.join(',')}}` : ''} ${formatValue(value)}`;
}

/** The whole page: each family's HELP, TYPE and samples, a blank line between families. */
export function exposition(families: Family[]): string {
  const blocks = families.map(({ name, help, type, samples }) =>
    [`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`, ...samples.map((sample) => sampleLine(name, sample))].join('\n'),
  );
  return blocks.join('\n\n') + '\n';
}

/** A histogram's samples for one series: cumulative `_bucket`s up to `le="+Inf"`, then `_sum` and `_count`. */
export function histogramSamples(buckets: readonly number[], counts: readonly number[], sum: number, labels: Labels): Sample[] {
  let seen = 0;
  const cumulative = buckets.map((le, i) => ({ suffix: '_bucket' as const, labels: { le: formatValue(le), ...labels }, value: (seen += counts[i]) }));
  const count = seen + counts[buckets.length];
  return [
    ...cumulative,
    { suffix: '_bucket', labels: { le: '+Inf', ...labels }, value: count },
    { suffix: '_sum', labels, value: sum },
    { suffix: '_count', labels, value: count },
  ];
}
