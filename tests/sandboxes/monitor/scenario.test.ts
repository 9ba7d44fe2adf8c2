// The monitoring scenario through the real supervisor and shell: the metrics each node exposes, an alert that
// fires when a server dies and resolves when it is back, and the monitor's answers to `metrics query/alerts`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunningScenario } from '../shell/scenario';
import { ShellSession } from '../shell/terminal';

describe('the monitoring scenario', () => {
  const scenario = new RunningScenario('monitoring');
  let shell: ShellSession;

  beforeAll(async () => {
    await scenario.ready();
    shell = new ShellSession(scenario.folder);
    await shell.waitForPrompt(1);
  }, 90_000);
  afterAll(async () => {
    await shell?.close();
    await scenario.stop();
  });

  it('shows what the web servers and HAProxy expose', async () => {
    // The nodes may still be starting when the supervisor is ready.
    await scenario.until(async () => (await shell.command('metrics web-01 http_requests_total', 30_000)).includes('# TYPE http_requests_total counter'), 15_000);
    expect(await shell.command('metrics lb-01 haproxy_backend_active_servers', 30_000)).toMatch(/haproxy_backend_active_servers\{proxy="be_app"\} 2/);
  }, 90_000);

  it('fires InstanceDown for a killed server, and resolves it once the server is back', async () => {
    await scenario.until(async () => /up\{.*instance="10\.0\.0\.11:80".*\} 1/.test(await shell.command('metrics query up', 30_000)), 10_000);
    await shell.command('infra kill web-01', 30_000);
    await scenario.until(() => scenario.goal('alert-fires')?.met, 30_000);
    expect(await shell.command('metrics alerts', 30_000)).toMatch(/^FIRING +InstanceDown \{"job":"web","instance":"10\.0\.0\.11:80","severity":"page"\}/m);
    expect(await shell.command('metrics query up == 0', 30_000)).toMatch(/^up\{job="web", instance="10\.0\.0\.11:80"\} 0$/m);
    await shell.command('infra start web-01', 30_000);
    await scenario.until(() => scenario.goal('alert-resolves')?.met, 30_000);
  }, 90_000);
});
