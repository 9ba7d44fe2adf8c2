// The monitor as a real process scraping real web servers: an instance-down alert and a 5xx-ratio alert go
// pending, fire and resolve on the right conditions.
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeEvent } from '../../../sandboxes/contracts/events/index';
import { connect } from '../../../sandboxes/network/net';
import { startNode, type SandboxNode } from '../../support/sandbox-node';

const PROMETHEUS = `
global:
  scrape_interval: 500ms
  evaluation_interval: 500ms
rule_files:
  - alerts.yml
scrape_configs:
  - job_name: web
    static_configs:
      - targets: ['10.0.0.11:80', '10.0.0.12:80']
`;

const ALERTS = `
groups:
  - name: stack
    rules:
      - alert: InstanceDown
        expr: up == 0
        for: 2s
        labels:
          severity: page
        annotations:
          summary: "Instance {{ $labels.instance }} down"
      - alert: HighErrorRate
        expr: sum by (instance) (rate(http_requests_total{code=~"5.."}[5s])) / sum by (instance) (rate(http_requests_total[5s])) > 0.05
        for: 1s
        annotations:
          summary: "{{ $labels.instance }} answers {{ $value }} of requests with 5xx"
`;

/** scrape_interval and evaluation_interval above, and InstanceDown's `for`. */
const INTERVAL_MS = 500;
const FOR_MS = 2000;
/** How long a loaded two-core machine may hold a process back, on top of the intervals. */
const SLACK_MS = 5000;

const alert = (name: string, state: string, instance: string) => (e: NodeEvent) =>
  e.type === 'monitor.alert' && e.alertname === name && e.state === state && e.labels.instance === instance;

describe('monitor (Prometheus-like) as a process', () => {
  let folder: string;
  const nodes: Record<string, SandboxNode> = {};
  const start = (name: string, program: string, args: string[], address: string) =>
    (nodes[name] = startNode(program, args, { cwd: folder, net: join(folder, 'net'), address, name }));

  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'monitor-'));
    writeFileSync(join(folder, 'prometheus.yml'), PROMETHEUS);
    writeFileSync(join(folder, 'alerts.yml'), ALERTS);
    process.env.SANDBOX_NET = join(folder, 'net');
    process.env.SANDBOX_ADDR = '10.0.0.2';
    start('web-01', 'web', ['--name', 'web-01'], '10.0.0.11');
    start('web-02', 'web', ['--name', 'web-02'], '10.0.0.12');
    start('prom-01', 'monitor', ['--config.file=prometheus.yml'], '10.0.0.31');
  });
  afterAll(async () => {
    await Promise.all(Object.values(nodes).map((n) => n.stop('SIGKILL')));
    delete process.env.SANDBOX_NET;
    delete process.env.SANDBOX_ADDR;
    rmSync(folder, { recursive: true, force: true });
  });

  it('fires InstanceDown after its `for` when a server dies, and resolves it when the server is back', async () => {
    const mon = nodes['prom-01'];
    await mon.waitFor((e) => e.type === 'monitor.scrape' && e.instance === '10.0.0.11:80' && e.up === 1);
    const killed = performance.now();
    await nodes['web-01'].stop('SIGKILL');
    // Only what follows the kill: at start-up the monitor may have scraped web-01 before it listened, and gone
    // pending then. The next scrape sees the server gone, the next evaluation makes the alert pending.
    const pending = await mon.waitFor(
      alert('InstanceDown', 'pending', '10.0.0.11:80'),
      2 * INTERVAL_MS + SLACK_MS,
      killed,
    );
    // It fires at the first evaluation at least `for` after it went pending.
    const firing = await mon.waitFor(
      alert('InstanceDown', 'firing', '10.0.0.11:80'),
      FOR_MS + INTERVAL_MS + SLACK_MS,
      killed,
    );
    // The test sees each line when it arrives, perhaps late, so it times `for` from the kill, which came before
    // the alert went pending: firing any earlier would mean the monitor ignored `for`.
    expect(firing.at - killed).toBeGreaterThanOrEqual(FOR_MS);
    expect(firing.at).toBeGreaterThanOrEqual(pending.at);
    await mon.waitFor(
      (e) =>
        e.type === 'log' &&
        e.level === 'alert' &&
        e.text === '[FIRING:1] InstanceDown (10.0.0.11:80 web page) Instance 10.0.0.11:80 down',
      SLACK_MS,
      killed,
    );
    // web-02 lives: an alert on it only follows a scrape of it that failed (at start-up, before it listened, or on
    // a loaded machine a scrape that overran its 500 ms timeout, which Prometheus counts as down too), and never fires.
    const afterKill = mon.seen.filter((s) => s.at > killed);
    const web2Pending = afterKill.find((s) => alert('InstanceDown', 'pending', '10.0.0.12:80')(s.event));
    if (web2Pending)
      expect(
        mon.seen.some(
          (s) =>
            s.at <= web2Pending.at &&
            s.event.type === 'monitor.scrape' &&
            s.event.instance === '10.0.0.12:80' &&
            s.event.up === 0,
        ),
      ).toBe(true);
    expect(afterKill.some((s) => alert('InstanceDown', 'firing', '10.0.0.12:80')(s.event))).toBe(false);

    const web1 = start('web-01', 'web', ['--name', 'web-01'], '10.0.0.11');
    await web1.waitFor((e) => e.type === 'web.listening', 20_000);
    await mon.waitFor(alert('InstanceDown', 'resolved', '10.0.0.11:80'), 2 * INTERVAL_MS + SLACK_MS);
  });

  it('fires HighErrorRate for a server that is up but fails requests (a silent failure), and resolves it once fixed', async () => {
    const mon = nodes['prom-01'];
    const web2 = nodes['web-02'];
    web2.child.stdin!.write('flaky 0.5\n');
    const traffic = setInterval(() => get('10.0.0.12:80').catch(() => undefined), 50);
    try {
      const firing = await mon.waitFor(alert('HighErrorRate', 'firing', '10.0.0.12:80'), 10_000);
      expect(firing.event.type === 'monitor.alert' && firing.event.value).toBeGreaterThan(0.2);
      web2.child.stdin!.write('flaky 0\n');
      await mon.waitFor(alert('HighErrorRate', 'resolved', '10.0.0.12:80'), 12_000);
    } finally {
      clearInterval(traffic);
    }
  });
});

function get(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ path: '/', createConnection: () => connect(address) }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
}
