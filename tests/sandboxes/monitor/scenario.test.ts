// The monitoring scenario through the real supervisor and shell: the metrics each node exposes, an alert that
// fires when a server dies and resolves when it is back, and the monitor's answers to `metrics query/alerts`.
import { describe, expect, it } from 'vitest';
import { scenarioWithShell } from '../../support/supervisor';

describe('the monitoring scenario', () => {
  const lab = scenarioWithShell('monitoring');
  const { scenario } = lab;

  it('shows what the web servers and HAProxy expose', async () => {
    // The nodes may still be starting when the supervisor is ready.
    await scenario.until(
      async () =>
        (await lab.shell.command('metrics web-01 http_requests_total', 30_000)).includes(
          '# TYPE http_requests_total counter',
        ),
      15_000,
    );
    expect(await lab.shell.command('metrics lb-01 haproxy_backend_active_servers', 30_000)).toMatch(
      /haproxy_backend_active_servers\{proxy="be_app"\} 2/,
    );
  }, 90_000);

  it('fires InstanceDown for a killed server, and resolves it once the server is back', async () => {
    await scenario.until(
      async () => /up\{.*instance="10\.0\.0\.11:80".*\} 1/.test(await lab.shell.command('metrics query up', 30_000)),
      10_000,
    );
    await lab.shell.command('infra kill web-01', 30_000);
    await scenario.until(() => scenario.goal('alert-fires')?.met, 30_000);
    expect(await lab.shell.command('metrics alerts', 30_000)).toMatch(
      /^FIRING +InstanceDown \{"job":"web","instance":"10\.0\.0\.11:80","severity":"page"\}/m,
    );
    expect(await lab.shell.command('metrics query up == 0', 30_000)).toMatch(
      /^up\{job="web", instance="10\.0\.0\.11:80"\} 0$/m,
    );
    await lab.shell.command('infra start web-01', 30_000);
    await scenario.until(() => scenario.goal('alert-resolves')?.met, 30_000);
  }, 90_000);
});
