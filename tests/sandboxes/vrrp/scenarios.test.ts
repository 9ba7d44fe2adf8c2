// The active-passive scenario as a learner meets it: the supervisor, keepalived + HAProxy on two nodes, the lab.shell.
// The starting state meets no goal; the goals' own solutions meet them.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SandboxEvent } from '../../../sandboxes/contracts/events/index';
import { scenarioWithShell } from '../../support/supervisor';

type Vrrp = Extract<SandboxEvent, { type: 'vrrp.state' }>;

describe('the active-passive scenario', () => {
  const lab = scenarioWithShell('active-passive');
  const { scenario } = lab;
  const master = (node: string) =>
    scenario.events.filter((e): e is Vrrp => e.type === 'vrrp.state' && e.node === node).at(-1)?.state === 'MASTER';

  it('serves the site on the virtual IP through the MASTER, lb-01', async () => {
    await scenario.until(() => master('lb-01'), 10_000);
    expect(scenario.goal('crash-takeover')?.met ?? false).toBe(false);
    const output = await lab.shell.command('curl -s -o /dev/null -w "%{http_code}" http://10.0.0.10/', 30_000);
    expect(output).toBe('200');
    // `reload` reaches HAProxy through keepalived's node, which confirms once both re-read their files.
    expect(await lab.shell.command('reload', 30_000)).toBe(
      'reloaded lb-01: it re-read keepalived-lb-01.conf and haproxy.cfg\nreloaded lb-02: it re-read keepalived-lb-02.conf and haproxy.cfg',
    );
  }, 90_000);

  it('a clean restart of lb-01 hands 10.0.0.10 to lb-02 in about 0.6 s (goal clean-handover)', async () => {
    await lab.shell.command('infra restart lb-01', 30_000);
    await scenario.until(() => scenario.goal('clean-handover')?.met, 8000);
    expect(scenario.goal('clean-handover')!.observed).toMatch(
      /^lb-02 became MASTER \d\.\d\d s after the priority 0 advert$/,
    );
    await scenario.until(() => master('lb-01'), 10_000); // lb-01 is back with priority 101 and preempts
  }, 90_000);

  it('killing lb-01 moves 10.0.0.10 to lb-02 within Master_Down_Interval, and the site answers again (goal crash-takeover)', async () => {
    await lab.shell.command('infra kill lb-01', 30_000);
    await scenario.until(() => scenario.goal('crash-takeover')?.met, 8000);
    expect(scenario.goal('crash-takeover')!.observed).toMatch(/^lb-02 became MASTER \d+\.\d\d s after lb-01 died/);
    expect(await lab.shell.command('curl -s -o /dev/null -w "%{http_code}" http://10.0.0.10/', 30_000)).toBe('200');
  }, 90_000);

  it('after editing keepalived-lb-02.conf, `reload lb-02` re-reads both configs and keepalived takes the new priority', async () => {
    await lab.shell.command('infra start lb-01', 30_000);
    await scenario.until(() => master('lb-01'), 15_000); // priority 101 preempts lb-02's 100
    const conf = join(scenario.folder, 'keepalived-lb-02.conf');
    writeFileSync(conf, readFileSync(conf, 'utf8').replace('    priority 100\n', '    priority 150\n'));
    const from = scenario.events.length;
    const output = await lab.shell.command('reload lb-02', 30_000);
    expect(output).toBe('reloaded lb-02: it re-read keepalived-lb-02.conf and haproxy.cfg');
    await scenario.until(
      () =>
        scenario.events
          .slice(from)
          .some((e) => e.type === 'log' && e.node === 'lb-02' && /^Reload finished in \d+ usec$/.test(String(e.text))),
      10_000,
    );
    await scenario.until(
      () => scenario.events.slice(from).some((e) => e.type === 'balancer.reload' && e.node === 'lb-02'),
      10_000,
    );
    await scenario.until(() => master('lb-02'), 10_000);
  }, 90_000);

  it('a broken keepalived-lb-02.conf is refused by the node with its error, and lb-02 keeps running as it was', async () => {
    const conf = join(scenario.folder, 'keepalived-lb-02.conf');
    const good = readFileSync(conf, 'utf8');
    writeFileSync(conf, good.replace('    priority 150\n', '    priority 999\n'));
    const output = await lab.shell.command('reload lb-02', 30_000);
    expect(output).toMatch(
      /^lb-02 did not reload; it keeps running its previous configuration:\n.*keepalived-lb-02\.conf/,
    );
    expect(output).toMatch(/^reload: fix it \(edit keepalived-lb-02\.conf\) and reload again\.$/m);
    expect(master('lb-02')).toBe(true);
    writeFileSync(conf, good);
  }, 90_000);
});
