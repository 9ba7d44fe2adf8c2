// The monitor's process: a scrape loop per target on its interval, the alert rules evaluated on theirs (their
// transitions reported as events and logged as Alertmanager titles them), and the HTTP API (api.ts) on :9090.
import { listen } from '../network/net';
import { log, report } from '../shared/report';
import { RuleState, type Transition } from './alerts';
import { createApi, type TargetHealth } from './api';
import type { MonitorConfig, Target } from './config';
import { parseExposition } from './exposition';
import { fetchMetrics, seriesLabels } from './scrape';
import { Tsdb } from './tsdb';

/** Starts scraping, evaluating the rules and serving the API; returns the series it keeps. */
export function startMonitor(config: MonitorConfig): Tsdb {
  const db = new Tsdb();
  const health = new Map<Target, TargetHealth>(config.targets.map((t) => [t, { health: 'unknown', lastError: '' }]));
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
      if (!up)
        log(
          `level=warn component="scrape manager" scrape_pool=${target.job} target=http://${target.address}${target.path} msg="Scrape failed" err="${error.replaceAll('"', '\\"')}"`,
          'warning',
        );
      else if (before.health === 'down')
        log(
          `level=info component="scrape manager" scrape_pool=${target.job} target=http://${target.address}${target.path} msg="Scrape succeeded again"`,
        );
    }
  };

  const notify = (t: Transition) => {
    const { alertname: _, ...rest } = t.labels;
    // Alertmanager's default title lists the label values sorted by label name.
    const values = Object.keys(rest)
      .sort()
      .map((k) => rest[k])
      .join(' ');
    report({
      type: 'monitor.alert',
      alertname: t.rule,
      state: t.state,
      labels: t.labels,
      summary: t.annotations.summary ?? '',
      value: t.value,
    });
    // Alertmanager's default notification title: [FIRING:1] or [RESOLVED], the alert name and its label values.
    if (t.state === 'pending') log(`alert ${t.rule} pending (${values})`, 'notice');
    else
      log(
        `[${t.state === 'firing' ? 'FIRING:1' : 'RESOLVED'}] ${t.rule} (${values})${t.annotations.summary ? ` ${t.annotations.summary}` : ''}`,
        t.state === 'firing' ? 'alert' : 'notice',
      );
  };

  for (const target of config.targets) {
    const loop = () => scrape(target).finally(() => setTimeout(loop, target.intervalMs));
    loop();
  }
  setInterval(() => {
    for (const rule of rules) for (const t of rule.evaluate(db, Date.now())) notify(t);
  }, config.evaluationMs);

  const api = createApi(db, rules, health);
  listen(api, ':9090').then(
    () =>
      log(
        `level=info msg="Server is ready to receive web requests." targets=${config.targets.length} rules=${config.rules.length}`,
      ),
    (error: Error) => {
      process.stderr.write(`monitor: cannot listen on :9090: ${error.message}\n`);
      process.exit(1);
    },
  );
  return db;
}
