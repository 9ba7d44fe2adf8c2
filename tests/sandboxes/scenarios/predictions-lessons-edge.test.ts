// Predictions of the firewall and monitoring lessons, measured from real runs: how many of a flood's requests the
// rate limit lets through (firewall-tls), and how long after a web server dies InstanceDown fires (monitoring). The
// TLS lesson's prediction is proven with its scenario, in tests/sandboxes/network/tls/scenario.test.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxEvent } from '../../../sandboxes/contracts/events/index';
import { SupervisorRun } from '../../support/supervisor';
import { scenarioWithShell } from '../../support/supervisor';

type PredictionEvent = Extract<SandboxEvent, { type: 'prediction' }>;

describe("the seconds from a web server's death to InstanceDown firing, measured from the run", () => {
  let run: SupervisorRun;
  beforeAll(async () => {
    run = await SupervisorRun.start('monitoring');
  }, 60_000);
  afterAll(() => run?.stop());

  it('is published when InstanceDown fires for the dead server, within scrape + evaluation + for', async () => {
    // prom-01 has scraped web-01 successfully at least once: its death is then a change of `up`.
    await run.waitFor((e) => e.type === 'monitor.scrape' && e.instance === '10.0.0.11:80' && e.up === 1, 30_000);
    expect(run.events.some((e) => e.type === 'prediction')).toBe(false);
    const from = run.lastSeq();
    expect(await run.command({ cmd: 'kill', node: 'web-01' })).toMatchObject({ ok: true });
    const measured = (await run.waitFor(
      (e) => e.type === 'prediction' && e.id === 'seconds-to-firing',
      30_000,
      from,
    )) as PredictionEvent;
    const death = run.events.find((e) => e.seq > from && e.type === 'node.exited' && e.name === 'web-01')!;
    const firing = run.events.find(
      (e) => e.seq > from && e.type === 'monitor.alert' && e.alertname === 'InstanceDown' && e.state === 'firing',
    )!;
    expect(firing).toMatchObject({ labels: { instance: '10.0.0.11:80' } });
    expect(measured.value).toBe(Number(((firing.time - death.time) / 1000).toFixed(1)));
    // The failing scrape comes 0 to 2 s after the death (scrape_interval 2s), the rule sees it at the next
    // evaluation (0 to 2 s, evaluation_interval 2s), then must hold for `for: 6s`: 6 to 10 s, with margin for a
    // scrape that waits out its timeout and timers late on a loaded machine.
    expect(measured.value).toBeGreaterThanOrEqual(6);
    expect(measured.value).toBeLessThanOrEqual(14);
    expect(measured.how).toBe("from web-01's exit to InstanceDown firing for 10.0.0.11:80");
    console.log(`seconds-to-firing measured: ${measured.value} s`);
  }, 90_000);
});

describe("the requests a flood gets through the rate limit, measured from the shell's load", () => {
  const lab = scenarioWithShell('firewall-tls', 30_000);

  it('is the 20 the rule allows in 10 s: the 21st request sees a rate of 21, and every later one more', async () => {
    const cfg = join(lab.scenario.folder, 'haproxy.cfg');
    writeFileSync(
      cfg,
      readFileSync(cfg, 'utf8').replace(
        '    bind :80\n',
        '    bind :80\n    stick-table type ip size 100k expire 30s store http_req_rate(10s)\n    http-request track-sc0 src\n    http-request deny deny_status 429 if { sc_http_req_rate(0) gt 20 }\n',
      ),
    );
    expect(await lab.shell.command('reload', 15_000)).toMatch(/^reloaded lb-01/);
    await lab.shell.command('load -r 10 -d 5s', 30_000);
    const measured = () =>
      lab.scenario.events.filter((e) => e.type === 'prediction' && e.id === 'served-before-limit').at(-1) as
        PredictionEvent | undefined;
    // A request still in a web server's hands is logged after the first 429: the value settles once they are.
    await lab.scenario.until(() => measured()?.value === 20, 10_000);
    const { value, how } = measured()!;
    expect(value).toBe(20);
    const [served, after, limited] =
      /^of your requests to lb-01 under the rate limit, (\d+) got 200 before the first 429 \((\d+) from it on, (\d+) of them 429\)$/
        .exec(how)!
        .slice(1)
        .map(Number);
    expect(served).toBe(20);
    // 10 a second for 5 s: about 50 sent, and the rate never falls back under 21 while they last.
    expect(after).toBeGreaterThanOrEqual(20);
    expect(limited).toBe(after);
    console.log(`served-before-limit measured: ${value} (${how})`);
  }, 90_000);
});
