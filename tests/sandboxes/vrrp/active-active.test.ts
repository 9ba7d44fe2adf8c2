// The active-active scenario as a learner meets it: DNS round robin gives www.example.com both virtual IPs, load
// spreads over both balancers, and after one balancer dies the survivor holds both addresses, so every request to
// the name succeeds again without any change to DNS.
import { describe, expect, it } from 'vitest';
import type { SandboxEvent } from '../../../sandboxes/contracts/events/index';
import { scenarioWithShell } from '../../support/supervisor';

type Vrrp = Extract<SandboxEvent, { type: 'vrrp.state' }>;

describe('the active-active scenario', () => {
  const lab = scenarioWithShell('active-active');
  const { scenario } = lab;
  const holds = (node: string, instance: string) =>
    scenario.events
      .filter((e): e is Vrrp => e.type === 'vrrp.state' && e.node === node && e.instance === instance)
      .at(-1)?.state === 'MASTER';

  it('DNS gives www.example.com both virtual IPs, and load over the name reaches both balancers (goal both-active)', async () => {
    const answers = [
      await lab.shell.command('dig www.example.com +short'),
      await lab.shell.command('dig www.example.com +short'),
    ];
    expect(answers).toEqual(expect.arrayContaining(['10.0.0.10\n10.0.0.20', '10.0.0.20\n10.0.0.10']));
    // Each balancer MASTER of its own instance (about 3.6 s after the start).
    await scenario.until(() => holds('lb-01', 'VI_1') && holds('lb-02', 'VI_2'), 15_000);
    const output = await lab.shell.command('load http://www.example.com/ -r 10 -d 3s', 30_000);
    expect(output).toMatch(/^30 requests in .*: 30 ok, 0 failed$/m);
    // The answers' order turns at each query: the requests alternate, half through each balancer. The goal's text
    // (at most a second behind) counts every one of the 30. A balancer logs a request once it has answered it, so
    // the last log line may reach the event stream a moment after the client has its answer.
    const through = (node: string) =>
      scenario.events.filter((e) => e.type === 'balancer.request' && e.node === node).length;
    await scenario.until(() => through('lb-01') + through('lb-02') === 30, 5000);
    expect([through('lb-01'), through('lb-02')]).toEqual([15, 15]);
    await scenario.until(() => scenario.goal('both-active')?.observed === 'lb-01 answered 15 requests, lb-02 15', 5000);
    expect(scenario.goal('both-active')?.met).toBe(true);
  }, 90_000);

  it('after lb-02 dies, lb-01 holds both addresses and every request to the name succeeds (goal survivor-serves-both)', async () => {
    await lab.shell.command('infra kill lb-02', 30_000);
    // Master_Down_Interval for priority 100 and advert_int 1 is 3.61 s; generous for a loaded machine.
    await scenario.until(() => holds('lb-01', 'VI_2'), 3609 + 6000);
    // DNS still hands out 10.0.0.20 first every other time: it knows nothing of the failure.
    expect(await lab.shell.command('dig www.example.com +short')).toMatch(/10\.0\.0\.20/);
    const output = await lab.shell.command('load http://www.example.com/ -r 10 -d 3s', 30_000);
    expect(output).toMatch(/^30 requests in .*: 30 ok, 0 failed$/m);
    await scenario.until(
      () => /and has answered 30 requests since$/.test(scenario.goal('survivor-serves-both')?.observed ?? ''),
      5000,
    );
    expect(scenario.goal('survivor-serves-both')).toMatchObject({
      met: true,
      observed: expect.stringMatching(/^lb-01 took VI_2 \d+\.\d\d s after lb-02 died/),
    });
  }, 90_000);
});
