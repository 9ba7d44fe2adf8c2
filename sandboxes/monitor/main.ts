// A Prometheus-like monitor: `node monitor.js --config.file=prometheus.yml` (or `-f prometheus.yml`).
// It scrapes every target's /metrics on its interval, keeps short series, evaluates the alert rules, and reports
// alerts as pending/firing/resolved. Like Prometheus it serves its HTTP API on :9090 (/api/v1/query, /api/v1/alerts,
// /api/v1/targets), which the shell's `metrics` command reads.
import http from 'node:http';
import { connect, listen } from '../network/net';
import { openControlChannel } from '../shared/control-channel';
import { log, report } from '../shared/report';
import { RuleState, type Transition } from './alerts';
import { loadConfig, type MonitorConfig, type Target } from './config';
import { parseExposition } from './exposition';
import { compile, evaluate, QueryError } from './promql';
import { Tsdb, type Labels } from './tsdb';

const USAGE = 'usage: monitor --config.file=prometheus.yml  (or: monitor -f prometheus.yml)';

interface Health {
  health: 'up' | 'down' | 'unknown';
  lastError: string;
  lastScrape?: number;
}

/** GETs a target's metrics page, failing like Prometheus's scraper does (its error texts). */
function fetchMetrics(target: Target, timeoutMs: number): Promise<string> {
  const url = `http://${target.address}${target.path}`;
  return new Promise((resolve, reject) => {
    const req = http.get({ path: target.path, headers: { host: target.address, accept: 'text/plain;version=0.0.4' }, createConnection: () => connect(target.address) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`server returned HTTP status ${res.statusCode} ${res.statusMessage}`))));
    });
    const timer = setTimeout(() => req.destroy(Object.assign(new Error('context deadline exceeded'), { code: 'TIMEOUT' })), timeoutMs);
    req.on('close', () => clearTimeout(timer));
    req.on('error', (error: NodeJS.ErrnoException) => {
      const dial = `Get "${url}": dial tcp ${target.address}: connect: `;
      if (error.code === 'ECONNREFUSED') reject(new Error(dial + 'connection refused'));
      else if (error.code === 'TIMEOUT') reject(new Error(`Get "${url}": context deadline exceeded`));
      else reject(new Error(`Get "${url}": ${error.message}`));
    });
  });
}

/** The series labels of a scraped sample: its own, then the target's (a clash keeps the target's, as honor_labels: false). */
function seriesLabels(name: string, own: Labels, target: Target): Labels {
  const labels: Labels = { __name__: name };
  for (const [k, v] of Object.entries(own)) labels[k === 'job' || k === 'instance' ? `exported_${k}` : k] = v;
  return { ...labels, ...target.labels, job: target.job, instance: target.address };
}

function startMonitor(config: MonitorConfig): Tsdb {
  const db = new Tsdb();
  const health = new Map<Target, Health>(config.targets.map((t) => [t, { health: 'unknown', lastError: '' }]));
  const rules = config.rules.map((r) => new RuleState(r));

  const scrape = async (target: Target) => {
    const started = Date.now();
    const targetLabels = { job: target.job, instance: target.address, ...target.labels };
    let up: 0 | 1 = 1;
    let error = '';
    try {
      const { samples } = parseExposition(await fetchMetrics(target, Math.min(target.intervalMs, 10_000)));
      for (const s of samples) db.append(seriesLabels(s.name, s.labels, target), started, s.value);
      db.append({ __name__: 'scrape_samples_scraped', ...targetLabels }, started, samples.length);
    } catch (e) {
      up = 0;
      error = (e as Error).message;
      db.markStale((l) => l.job === target.job && l.instance === target.address, started);
    }
    const duration = Date.now() - started;
    db.append({ __name__: 'up', ...targetLabels }, started, up);
    db.append({ __name__: 'scrape_duration_seconds', ...targetLabels }, started, duration / 1000);
    const before = health.get(target)!;
    health.set(target, { health: up ? 'up' : 'down', lastError: error, lastScrape: started });
    if (before.health !== (up ? 'up' : 'down')) {
      report({ type: 'monitor.scrape', job: target.job, instance: target.address, up, duration_ms: duration });
      if (!up) log(`level=warn component="scrape manager" scrape_pool=${target.job} target=http://${target.address}${target.path} msg="Scrape failed" err="${error.replaceAll('"', '\\"')}"`, 'warning');
      else if (before.health === 'down') log(`level=info component="scrape manager" scrape_pool=${target.job} target=http://${target.address}${target.path} msg="Scrape succeeded again"`);
    }
  };

  const notify = (t: Transition) => {
    const { alertname: _, ...rest } = t.labels;
    // Alertmanager's default title lists the label values sorted by label name.
    const values = Object.keys(rest).sort().map((k) => rest[k]).join(' ');
    report({ type: 'monitor.alert', alertname: t.rule, state: t.state, labels: t.labels, summary: t.annotations.summary ?? '', value: t.value });
    // Alertmanager's default notification title: [FIRING:1] or [RESOLVED], the alert name and its label values.
    if (t.state === 'pending') log(`alert ${t.rule} pending (${values})`, 'notice');
    else log(`[${t.state === 'firing' ? 'FIRING:1' : 'RESOLVED'}] ${t.rule} (${values})${t.annotations.summary ? ` ${t.annotations.summary}` : ''}`, t.state === 'firing' ? 'alert' : 'notice');
  };

  for (const target of config.targets) {
    const loop = () => scrape(target).finally(() => setTimeout(loop, target.intervalMs));
    loop();
  }
  setInterval(() => {
    for (const rule of rules) for (const t of rule.evaluate(db, Date.now())) notify(t);
  }, config.evaluationMs);

  const api = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://monitor');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/api/v1/query') {
      try {
        const now = Date.now();
        const result = evaluate(compile(url.searchParams.get('query') ?? ''), db, now);
        send(200, { status: 'success', data: { resultType: 'vector', result: result.map((s) => ({ metric: s.labels, value: [now / 1000, String(s.value)] })) } });
      } catch (error) {
        send(400, { status: 'error', errorType: 'bad_data', error: (error as Error).message });
      }
    } else if (url.pathname === '/api/v1/alerts') {
      const alerts = rules.flatMap((r) => [...r.active.values()].map((a) => ({ ...a, activeAt: new Date(a.activeAt).toISOString(), value: String(a.value) })));
      send(200, { status: 'success', data: { alerts } });
    } else if (url.pathname === '/api/v1/targets') {
      const activeTargets = [...health].map(([t, h]) => ({
        labels: { job: t.job, instance: t.address, ...t.labels },
        scrapeUrl: `http://${t.address}${t.path}`,
        health: h.health,
        lastError: h.lastError,
        lastScrape: h.lastScrape ? new Date(h.lastScrape).toISOString() : null,
      }));
      send(200, { status: 'success', data: { activeTargets } });
    } else send(404, { status: 'error', errorType: 'not_found', error: `${url.pathname}: try /api/v1/query?query=up, /api/v1/alerts or /api/v1/targets` });
  });
  listen(api, ':9090').then(
    () => log(`level=info msg="Server is ready to receive web requests." targets=${config.targets.length} rules=${config.rules.length}`),
    (error: Error) => {
      process.stderr.write(`monitor: cannot listen on :9090: ${error.message}\n`);
      process.exit(1);
    },
  );
  return db;
}

function main(): void {
  const argv = process.argv.slice(2);
  const long = argv.find((a) => a.startsWith('--config.file='))?.slice('--config.file='.length);
  const file = long ?? (argv.includes('-f') ? argv[argv.indexOf('-f') + 1] : undefined);
  if (!file) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
  let config: MonitorConfig;
  try {
    config = loadConfig(file);
  } catch (error) {
    process.stderr.write(`monitor: ${error instanceof QueryError ? 'bad rule: ' : ''}${(error as Error).message}\n`);
    process.exit(1);
  }
  startMonitor(config);
  openControlChannel();
}

main();
