// The capstone as a learner proves it, through the real supervisor and shell: under traffic, killing the MASTER
// balancer and then a web server fails no request once the takeover is done (goals balancer-loss, web-loss).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunningScenario } from '../shell/scenario';
import { ShellSession } from '../shell/terminal';

type Vrrp = { type: 'vrrp_state'; node: string; state: string };

describe('the capstone scenario', () => {
  const scenario = new RunningScenario('capstone');
  let shell: ShellSession;

  beforeAll(async () => {
    await scenario.ready();
    shell = new ShellSession(scenario.folder);
    await shell.waitForPrompt(1);
    await scenario.until(() => scenario.events.some((e) => e.type === 'vrrp_state' && (e as Vrrp).node === 'lb-01' && (e as Vrrp).state === 'MASTER'), 15_000);
  }, 90_000);
  afterAll(async () => {
    await shell?.close();
    await scenario.stop();
  });

  it('survives the loss of the MASTER balancer: after the takeover no request fails', async () => {
    await shell.command('infra kill lb-01 --in 2s', 30_000);
    const summary = await shell.command('load http://10.0.0.10/ -r 10 -d 10s', 60_000);
    await scenario.until(() => scenario.goal('balancer-loss')?.met, 10_000);
    expect(scenario.goal('balancer-loss')!.observed).toMatch(/^lb-02 answered \d+ requests since the takeover, 0 failed$/);
    expect(summary).toMatch(/\d/); // the load ran (its failures are the requests sent during the takeover window)
  }, 90_000);

  it('survives the loss of a web server: no request fails at all', async () => {
    await shell.command('infra kill web-01 --in 2s', 30_000);
    await shell.command('load http://10.0.0.10/ -r 10 -d 11s', 60_000);
    await scenario.until(() => scenario.goal('web-loss')?.met, 15_000);
    expect(scenario.goal('web-loss')!.observed).toMatch(/requests? in the 8 s after web-01 died, 0 failed$/);
  }, 90_000);
});
