// A Prometheus-like monitor: `node monitor.js --config.file=prometheus.yml` (or `-f prometheus.yml`).
// It scrapes every target's /metrics on its interval, keeps short series, evaluates the alert rules, and reports
// alerts as pending/firing/resolved (prometheus.ts). Like Prometheus it serves its HTTP API on :9090 (api.ts:
// /api/v1/query, /api/v1/alerts, /api/v1/targets), which the shell's `metrics` command reads.
import { readCommandLine, refuse } from '../shared/command-line';
import { openControlChannel } from '../shared/control-channel';
import { loadConfig } from './config';
import { startMonitor } from './prometheus';

const COMMAND_LINE = {
  options: { 'config.file': { type: 'string', short: 'f' } },
  usage: 'usage: monitor --config.file=prometheus.yml  (or: monitor -f prometheus.yml)',
  complaint: (problem: string) => `monitor: ${problem}`,
} as const;

const { values } = readCommandLine(COMMAND_LINE);
const file = values['config.file'] ?? refuse(COMMAND_LINE, 'no configuration file given');
const { config, errors } = loadConfig(file);
if (!config) {
  process.stderr.write(errors.map((error) => `monitor: ${error}\n`).join(''));
  process.exit(1);
}
startMonitor(config);
openControlChannel();
