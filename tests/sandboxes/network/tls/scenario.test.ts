// The tls scenario (the TLS lesson) through the real supervisor and shell: a login sent over plain HTTP reaches lb-01
// in clear; once the challenge's fix is in (TLS on :443, a 301 from HTTP, HSTS) a login sent to http:// still crosses
// in clear before its 301 (the prediction measures it), and one sent to https:// is served with HSTS.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SandboxEvent } from '../../../../sandboxes/contracts/events/index';
import { scenarios } from '../../../../sandboxes/scenarios/index';
import { scenarioWithShell } from '../../../support/supervisor';

type PredictionEvent = Extract<SandboxEvent, { type: 'prediction' }>;

describe('the tls scenario', () => {
  const lab = scenarioWithShell('tls', 30_000);
  const { scenario } = lab;
  const measured = () =>
    scenario.events.filter((e) => e.type === 'prediction' && e.id === 'login-before-redirect').at(-1) as
      PredictionEvent | undefined;

  it('a login sent over plain HTTP reaches lb-01 in clear (goal login-in-clear), and nothing is measured yet', async () => {
    expect(scenario.goal('login-in-clear')?.met).toBe(false);
    expect(
      await lab.shell.command(
        "curl -s -o /dev/null -w '%{http_code}' -d 'user=ada&password=s3cret' http://10.0.0.2/",
        30_000,
      ),
    ).toBe('404');
    await scenario.until(() => scenario.goal('login-in-clear')?.met, 5000);
    expect(scenario.goal('login-in-clear')!.observed).toBe('1 form reached lb-01 in clear, the last: POST /');
    expect(measured()).toBeUndefined();
    expect(scenario.goal('https-only')?.met).toBe(false);
  }, 90_000);

  it("the challenge's solution: HTTP gets 301 to https (the password crossed first), HTTPS gets the site with HSTS", async () => {
    const goal = scenarios.tls.goals.find((g) => g.id === 'https-only')!;
    // The solution's edit, as its comment lines say: the lines to add under "bind :80".
    const added = goal.solution.filter((l) => /^#\s{5}\S/.test(l)).map((l) => `    ${l.replace(/^#\s+/, '')}\n`);
    expect(added).toHaveLength(3);
    const cfg = join(scenario.folder, 'haproxy.cfg');
    writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('    bind :80\n', `    bind :80\n${added.join('')}`));
    const outputs: string[] = [];
    for (const line of goal.solution.filter((l) => !l.startsWith('#') && l !== 'edit haproxy.cfg'))
      outputs.push(await lab.shell.command(line, 30_000));
    const [, plain, secure] = outputs;
    expect(plain).toMatch(
      /^HTTP\/1\.1 301 Moved Permanently\ncontent-length: 0\nlocation: https:\/\/www\.example\.com\/\n/,
    );
    expect(plain).not.toMatch(/strict-transport-security/i);
    // The sandbox's web servers have no login page: the form reaches one, over TLS, and gets its 404.
    expect(secure).toMatch(/^HTTP\/1\.1 404 Not Found\n/);
    expect(secure).toMatch(/\nstrict-transport-security: max-age=63072000\n/);
    await scenario.until(() => scenario.goal('https-only')?.met, 5000);
    expect(scenario.goal('https-only')!.observed).toBe(
      '1 plain-HTTP request redirected to https with 301; 1 login served over HTTPS, 1 with Strict-Transport-Security',
    );
    await scenario.until(measured, 5000);
    expect(measured()).toMatchObject({
      value: 'Yes',
      how: 'lb-01 received your POST / over plain HTTP, form and password included, and only then answered 301 to https://www.example.com/',
    });
  }, 90_000);

  it('a login sent in clear after the fix, and served, unmeets the challenge until plain HTTP is redirected again', async () => {
    const cfg = join(scenario.folder, 'haproxy.cfg');
    writeFileSync(cfg, readFileSync(cfg, 'utf8').replace(/ {4}http-request redirect .*\n/, ''));
    expect(await lab.shell.command('reload', 15_000)).toMatch(/^reloaded lb-01/);
    await lab.shell.command("curl -s -o /dev/null -d 'user=ada&password=s3cret' http://10.0.0.2/", 30_000);
    await scenario.until(() => scenario.goal('https-only')?.met === false, 5000);
    expect(scenario.goal('https-only')!.observed).toMatch(/; the last plain-HTTP login still reached a web server$/);
  }, 90_000);
});
