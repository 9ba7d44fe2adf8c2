// The shell against the real thing: the supervisor running the two-servers scenario (a balancer and two web
// servers as processes), driven through the terminal as a learner would.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ClientReport } from '../../../sandboxes/contracts/commands';
import { scenarioWithShell } from '../../support/supervisor';
import { keys } from '../../support/terminal';

describe('the shell driving the two-servers scenario', () => {
  const lab = scenarioWithShell('two-servers', 30_000);
  const { scenario } = lab;

  it('lists the nodes with infra status', async () => {
    const output = await lab.shell.command('infra status');
    expect(output).toMatch(/^NODE +ROLE +ADDRESS +STATE +NOTES$/m);
    expect(output).toMatch(/^lb-01 +balancer +10\.0\.0\.2 +running +ports 80,8404$/m);
    expect(output).toMatch(/^web-01 +web +10\.0\.0\.11 +running/m);
    expect(output).toMatch(/^web-02 +web +10\.0\.0\.12 +running/m);
    expect(output).toMatch(/^Goals met: \d\/3$/m);
  });

  it('reaches the web servers through the balancer with curl, in turn', async () => {
    const first = await lab.shell.command('curl -i http://10.0.0.2/');
    const second = await lab.shell.command('curl -i http://10.0.0.2/');
    const servedBy = (output: string) => /^x-served-by: (\S+)$/im.exec(output)?.[1];
    expect(first).toMatch(/^HTTP\/1\.1 200 OK$/m);
    expect([servedBy(first), servedBy(second)].sort()).toEqual(['web-01', 'web-02']);
  });

  it('completes node names from the running scenario', async () => {
    lab.shell.type(`infra kill w${keys.tab}`);
    await lab.shell.waitFor(/\$ infra kill web-0$/m);
    lab.shell.type(keys.tab);
    await lab.shell.waitFor(/^web-01 +web-02$/m);
    lab.shell.type(`2${keys.tab}`);
    await lab.shell.waitFor(/\$ infra kill web-02 $/m);
    lab.shell.type(keys.ctrlU);
  });

  it('spreads load over both servers and sums it up', async () => {
    const output = await lab.shell.command('load -r 20 -d 1s', 30_000);
    expect(output).toMatch(/^20 requests in 1\.\d s \(.*\): 20 ok, 0 failed$/m);
    expect(output).toMatch(/^ {2}served by {2}web-01 10 \(50%\) {2}web-02 10 \(50%\)$/m);
  });

  it('completes sub-commands', async () => {
    lab.shell.type(`infra fr${keys.tab}`);
    await lab.shell.waitFor(/\$ infra freeze $/m);
    lab.shell.type(keys.ctrlU);
  });

  it('cuts the learner off the balancer and heals the link', async () => {
    expect(await lab.shell.command('infra cut 203.0.113.10 lb-01')).not.toMatch(/^infra/);
    // Across a cut link nothing answers, not even a refusal: curl can only time out.
    expect(await lab.shell.command('curl -m 1 http://10.0.0.2/', 20_000)).toMatch(
      /^curl: \(28\) Connection timed out after \d+ milliseconds$/,
    );
    expect(await lab.shell.command('infra status')).toMatch(/^Cut links: 203\.0\.113\.10 x lb-01$/m);
    await lab.shell.command('infra heal 203.0.113.10 lb-01');
    expect(await lab.shell.command('curl -s -o /dev/null -w "%{http_code}\\n" http://10.0.0.2/')).toBe('200');
  });

  it('makes a web server slow and shows it in the status', async () => {
    await lab.shell.command('infra slow web-02 150');
    expect(await lab.shell.command('infra status')).toMatch(
      /^web-02 +web +10\.0\.0\.12 +running +ports 80, slow 150 ms, 5 workers × 140 ms, backlog 20$/m,
    );
    await lab.shell.command('infra slow web-02 0');
  });

  it('shows and sets a web server capacity, and refuses what is not one', async () => {
    expect(await lab.shell.command('infra capacity web-02')).toBe(
      'web-02: 5 workers × 140 ms, backlog 20 (35.7 req/s at most)',
    );
    expect(await lab.shell.command('infra capacity web-02 --workers 10 --service-time 100ms')).toBe(
      'web-02 is now 10 workers × 100 ms, backlog 20 (100.0 req/s at most)',
    );
    expect(await lab.shell.command('infra status')).toMatch(
      /^web-02 +web +10\.0\.0\.12 +running +ports 80, 10 workers × 100 ms, backlog 20$/m,
    );
    expect(await lab.shell.command('infra capacity web-02 --workers 0')).toBe(
      "infra capacity: --workers: invalid workers '0': expected a whole number from 1 to 1000",
    );
    expect(await lab.shell.command('infra capacity lb-01')).toBe(
      'infra capacity: lb-01 is a balancer, not a web server',
    );
    await lab.shell.command('infra capacity web-02 --workers 5 --service-time 140ms');
  });

  it('kills a node, with suggestions for typos, and the supervisor reports it', async () => {
    expect(await lab.shell.command('infra kil web-01')).toBe(
      "infra: unknown sub-command 'kil' (did you mean 'kill'?). Type 'help infra' for the list.",
    );
    expect(await lab.shell.command('infra kill web01')).toBe(
      "infra kill: no node named 'web01' (did you mean 'web-01'?). Nodes: web-01, web-02, lb-01",
    );
    expect(await lab.shell.command('infra kill web-01')).toMatch(/^killed web-01 \(pid \d+\) with SIGKILL$/);
    expect(await lab.shell.command('infra status')).toMatch(
      /^web-01 +web +10\.0\.0\.11 +stopped +ports 80, killed by SIGKILL$/m,
    );
    expect(scenario.events).toContainEqual(
      expect.objectContaining({ type: 'node.exited', name: 'web-01', signal: 'SIGKILL' }),
    );
    // The balancer retries on web-02 (retries + redispatch), so the learner still gets pages.
    expect(await lab.shell.command('curl -s -o /dev/null -w "%{http_code}\\n" http://10.0.0.2/')).toBe('200');
  });

  it('schedules a node command with --in, and refuses a delay that is not one', async () => {
    expect(await lab.shell.command('infra start web-01 --in soon')).toBe(
      "infra start: --in wants a delay such as 6s or 500ms, not 'soon'",
    );
    expect(await lab.shell.command('infra start web-01 --in 300ms')).toBe('will start web-01 in 0.3 s');
    await expect
      .poll(() => lab.shell.command('infra status'), { timeout: 10_000 })
      .toMatch(/^web-01 +web +10\.0\.0\.11 +running/m);
  });

  it('reload shows the balancer refusing a broken haproxy.cfg with the line, and confirming a good one', async () => {
    const config = join(scenario.folder, 'haproxy.cfg');
    const good = readFileSync(config, 'utf8');
    writeFileSync(config, good.replace('    balance roundrobin', '    balance roundrobin\n    bogus_keyword on'));
    const refused = await lab.shell.command('reload', 20_000);
    // The balancer's own answer: the errors as haproxy -c prints them, and the running configuration kept.
    expect(refused).toMatch(/^lb-01 did not reload; it keeps running its previous configuration:$/m);
    expect(refused).toMatch(/^\[ALERT\] .* parsing \[haproxy\.cfg:\d+\] : unknown keyword 'bogus_keyword'/m);
    expect(refused).toMatch(/^reload: fix it \(edit haproxy\.cfg\) and reload again\.$/m);
    writeFileSync(config, good);
    const applied = await lab.shell.command('reload', 20_000);
    expect(applied).toBe('reloaded lb-01: it re-read haproxy.cfg');
  });

  it("tells the supervisor, second by second, what load's clients saw: a dead balancer's refused connections too", async () => {
    const reports = (from: number) =>
      scenario.events.slice(from).filter((e) => e.type === 'client.requests') as unknown as ClientReport[];
    const sum = (list: ClientReport[], count: (r: ClientReport) => number) =>
      list.reduce((total, r) => total + count(r), 0);
    const before = scenario.events.length;
    await lab.shell.command('load -r 20 -d 2s', 30_000);
    const served = reports(before);
    // One report a second while it runs, and a last one: every request is in one of them, once.
    expect(served.length).toBeGreaterThanOrEqual(2);
    expect(served.every((r) => r.url === 'http://10.0.0.2/' && r.interval_ms > 0 && r.interval_ms < 3000)).toBe(true);
    expect([sum(served, (r) => r.sent), sum(served, (r) => r.answered['2xx'])]).toEqual([40, 40]);
    expect(served.some((r) => r.p95_ms !== null && r.p95_ms > 0)).toBe(true);

    await lab.shell.command('infra kill lb-01');
    const afterKill = scenario.events.length;
    expect(await lab.shell.command('load -r 20 -d 1s', 30_000)).toMatch(/^20 requests in .*: 0 ok, 20 failed$/m);
    const refused = reports(afterKill);
    expect([sum(refused, (r) => r.sent), sum(refused, (r) => r.refused)]).toEqual([20, 20]);
    expect(refused.every((r) => r.p95_ms === null)).toBe(true);
    await lab.shell.command('infra start lb-01');
  });
});
