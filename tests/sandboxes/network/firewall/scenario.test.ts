// The firewall-tls scenario (the firewall lesson) through the real supervisor and shell: the goal's own solution
// closes every door but lb-01:80 (the scan agrees), and the rate limit answers a flood with 429.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scenarios } from '../../../../sandboxes/scenarios/index';
import { scenarioWithShell } from '../../../support/supervisor';

describe('the firewall-tls scenario', () => {
  const lab = scenarioWithShell('firewall-tls');
  const { scenario } = lab;

  it('starts wide open: the scan finds the database and the web servers from the internet', async () => {
    const output = await lab.shell.command('scan 10.0.0.11 10.0.0.21', 15_000);
    expect(output).toMatch(/Nmap scan report for 10\.0\.0\.11\n(.*\n)*80\/tcp   open     http/);
    expect(output).toMatch(/5432\/tcp open     postgresql/);
  }, 90_000);

  it('the solution of front-door-only leaves only lb-01:80 open, and the site still answers', async () => {
    expect(scenario.goal('db-closed')?.met).toBe(false);
    const solution = scenarios['firewall-tls'].goals.find((g) => g.id === 'front-door-only')!.solution;
    for (const line of solution.filter((l) => l.startsWith('ufw'))) await lab.shell.command(line, 30_000);
    await scenario.until(() => scenario.goal('front-door-only')?.met, 5000);
    // Closing every door closes the database's too, with the web servers still let in.
    await scenario.until(() => scenario.goal('db-closed')?.met, 5000);
    const scan = await lab.shell.command('scan -p 80,5432,8404 10.0.0.2 10.0.0.11 10.0.0.21', 15_000);
    expect(scan).toMatch(
      /Nmap scan report for 10\.0\.0\.2\nNot shown: 2 filtered tcp ports \(no-response\)\nPORT     STATE    SERVICE\n80\/tcp   open     http/,
    );
    expect(scan).toMatch(
      /All 3 scanned ports on 10\.0\.0\.11 are in ignored states\.\nNot shown: 3 filtered tcp ports \(no-response\)/,
    );
    expect(scan).toMatch(/All 3 scanned ports on 10\.0\.0\.21 are in ignored states\./);
    expect(await lab.shell.command('curl -s -o /dev/null -w "%{http_code}" http://10.0.0.2/', 30_000)).toBe('200');
  }, 90_000);

  it('with the rate limit in haproxy.cfg, a flood gets 429 Too Many Requests (goal rate-limited)', async () => {
    const cfg = join(scenario.folder, 'haproxy.cfg');
    writeFileSync(
      cfg,
      readFileSync(cfg, 'utf8').replace(
        '    bind :80\n',
        '    bind :80\n    stick-table type ip size 100k expire 30s store http_req_rate(10s)\n    http-request track-sc0 src\n    http-request deny deny_status 429 if { sc_http_req_rate(0) gt 20 }\n',
      ),
    );
    await lab.shell.command('reload', 15_000);
    const report = await lab.shell.command('load http://10.0.0.2/ -r 10 -d 4s', 20_000);
    // The goal's text tells what the client got since the reload, as `load` counted it (the earlier test's curl is
    // not part of the flood), once the text has caught up (it goes out at most once a second).
    const ok = Number(/: (\d+) ok,/.exec(report)![1]);
    const limited = Number(/429 ×(\d+)/.exec(report)![1]);
    expect(ok).toBeGreaterThan(0);
    expect(limited).toBeGreaterThan(0);
    await scenario.until(
      () =>
        scenario.goal('rate-limited')?.observed ===
        `since lb-01 last (re)started: ${ok} requests answered with 200 and ${limited} with 429`,
      5000,
    );
    expect(scenario.goal('rate-limited')?.met).toBe(true);
  }, 90_000);
});
