// prometheus.yml and its rule files, the subset the sandbox's monitor uses, validated with zod so a mistake is
// reported with its place in the file. Durations and defaults are Prometheus's (scrape_interval 1m by default;
// the sandbox's files set 2s so that changes show within seconds).
import { dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';
import * as z from '../contracts/schema';
import { parsedOrError, type ParsedConfig } from '../shared/parsed-config';
import { readSessionFile, strerror } from '../shared/session-folder';
import type { AlertRule } from './alerts';
import { compile, parseDuration } from './promql';

const duration = z
  .string()
  .check(z.refine((s) => /^\d+(\.\d+)?(ms|s|m|h|d)$/.test(s), 'a duration such as 2s, 30s or 5m'));
const labels = z.record(z.string(), z.string());

const prometheusSchema = z.object({
  global: z._default(
    z.object({ scrape_interval: z._default(duration, '1m'), evaluation_interval: z._default(duration, '1m') }),
    { scrape_interval: '1m', evaluation_interval: '1m' },
  ),
  rule_files: z._default(z.array(z.string()), []),
  scrape_configs: z.array(
    z.object({
      job_name: z.string().check(z.minLength(1)),
      metrics_path: z._default(z.string(), '/metrics'),
      scrape_interval: z.optional(duration),
      static_configs: z.array(
        z.object({
          targets: z.array(z.string().check(z.regex(/^[\w.-]+:\d+$/, 'host:port, e.g. 10.0.0.11:80'))),
          labels: z.optional(labels),
        }),
      ),
    }),
  ),
});

const rulesSchema = z.object({
  groups: z.array(
    z.object({
      name: z.string(),
      rules: z.array(
        z.object({
          alert: z.string().check(z.minLength(1)),
          expr: z.pipe(z.union([z.string(), z.number()]), z.transform(String)),
          for: z.optional(duration),
          labels: z._default(labels, {}),
          annotations: z._default(labels, {}),
        }),
      ),
    }),
  ),
});

export interface Target {
  job: string;
  address: string;
  path: string;
  labels: Record<string, string>;
  intervalMs: number;
}

export interface MonitorConfig {
  targets: Target[];
  evaluationMs: number;
  rules: AlertRule[];
}

function load<T>(schema: z.ZodMiniType<T>, file: string): T {
  let text: string;
  try {
    text = readSessionFile(file);
  } catch (error) {
    // Go's words, as Prometheus prints them: open prometheus.yml: no such file or directory
    throw new Error(`open ${file}: ${strerror(error).toLowerCase()}`);
  }
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${file}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
  }
  return parsed.data;
}

/** prometheus.yml and its rule files, read and checked; Prometheus stops at the first error, and so does this. */
export function loadConfig(file: string): ParsedConfig<MonitorConfig> {
  return parsedOrError(() => readConfig(file));
}

function readConfig(file: string): MonitorConfig {
  const config = load(prometheusSchema, file);
  const rules: AlertRule[] = [];
  for (const ruleFile of config.rule_files) {
    // As Prometheus: a relative rule file is next to prometheus.yml, an absolute one is where it says.
    const path = isAbsolute(ruleFile) ? ruleFile : join(dirname(file), ruleFile);
    for (const group of load(rulesSchema, path).groups) {
      for (const rule of group.rules) {
        try {
          compile(rule.expr);
        } catch (error) {
          throw new Error(`${path}: alert ${rule.alert}: ${(error as Error).message}`);
        }
        rules.push({
          alert: rule.alert,
          expr: rule.expr,
          forMs: rule.for ? parseDuration(rule.for) : 0,
          labels: rule.labels,
          annotations: rule.annotations,
        });
      }
    }
  }
  const targets = config.scrape_configs.flatMap((job) =>
    job.static_configs.flatMap((sc) =>
      sc.targets.map((address) => ({
        job: job.job_name,
        address,
        path: job.metrics_path,
        labels: sc.labels ?? {},
        intervalMs: parseDuration(job.scrape_interval ?? config.global.scrape_interval),
      })),
    ),
  );
  return { targets, evaluationMs: parseDuration(config.global.evaluation_interval), rules };
}
