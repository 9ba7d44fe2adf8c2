// prometheus.yml and alerts.yml for the monitoring lessons: prom-01 scrapes the balancer's exporter and both web
// servers every 2 s (Prometheus's default is 1m; short here so changes show within seconds).
import { haproxyCfg, type BackendOptions } from './topology';

/** prometheus.yml for prom-01: the targets ("address:port") of each scrape job, by job name. */
export function prometheusYml(jobs: Record<string, string[]>): string {
  const scrapeConfigs = Object.entries(jobs).map(
    ([job, targets]) =>
      `  - job_name: ${job}\n    static_configs:\n      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]\n`,
  );
  return `# prometheus.yml on prom-01
global:
  scrape_interval: 2s
  evaluation_interval: 2s

rule_files:
  - alerts.yml

scrape_configs:
${scrapeConfigs.join('')}`;
}

export const PROMETHEUS_YML = prometheusYml({ haproxy: ['10.0.0.2:8404'], web: ['10.0.0.11:80', '10.0.0.12:80'] });

// The expressions follow the awesome-prometheus-alerts collection (FIDELITY.md 5.4), with short \`for\` durations.
export const ALERTS_YML = `# alerts.yml: the rules prom-01 evaluates every 2 s
groups:
  - name: stack
    rules:
      - alert: InstanceDown
        expr: up == 0
        for: 6s
        labels:
          severity: page
        annotations:
          summary: "Instance {{ $labels.instance }} of job {{ $labels.job }} is down"
      - alert: HAProxyServerDown
        expr: haproxy_server_status{state="DOWN"} == 1
        for: 0s
        labels:
          severity: warning
        annotations:
          summary: "lb-01 marked {{ $labels.server }} DOWN"
      - alert: HighErrorRate
        expr: sum by (instance) (rate(http_requests_total{code=~"5.."}[30s])) / sum by (instance) (rate(http_requests_total[30s])) > 0.05
        for: 10s
        labels:
          severity: page
        annotations:
          summary: "{{ $labels.instance }} answers {{ $value }} of its requests with 5xx"
`;

/** haproxy.cfg with HAProxy's Prometheus exporter on the stats listener (:8404/metrics). */
export function haproxyCfgWithExporter(options: BackendOptions): string {
  return haproxyCfg(options).replace(
    '    stats uri /\n',
    '    stats uri /\n    http-request use-service prometheus-exporter if { path /metrics }\n',
  );
}
