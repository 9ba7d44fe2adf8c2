// Predictions of the single-points-of-failure and active/passive lessons, measured from real runs: which parts of the
// spof stack take the site (or the cart) away when each is broken alone under `load`, and what lb-01 does when it
// comes back after a crash, with keepalived's default preemption and with `nopreempt`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import spof from '../../../sandboxes/scenarios/spof';
import type { SandboxEvent } from '../../../sandboxes/contracts/events/index';
import { SupervisorRun } from '../../support/supervisor';
import { scenarioWithShell } from '../../support/supervisor';

type PredictionEvent = Extract<SandboxEvent, { type: 'prediction' }>;

describe('the single points of failure of the spof stack, found by breaking each part alone under load', () => {
  const lab = scenarioWithShell('spof');

  it("are lb-01 and db-01: each one's lone outage fails the cart, a web server's does not", async () => {
    // The challenge's own solution: a load on the cart, and each part down alone for 3 s in turn.
    for (const line of spof.goals.find((g) => g.id === 'every-spof')!.solution)
      expect(await lab.shell.command(line), line).not.toMatch(/usage|error|unknown/i);
    const measured = () =>
      lab.scenario.events.filter((e) => e.type === 'prediction' && e.id === 'spof-parts').at(-1) as
        PredictionEvent | undefined;
    await lab.scenario.until(measured, 45_000);
    const { value, how } = measured()!;
    console.log(`spof-parts: ${value} (${how})`);
    expect(value).toBe('lb-01 and db-01');
    const outcome = Object.fromEntries(
      [...how.matchAll(/(\S+) down: (\d+) of (\d+) failed/g)].map(([, part, failed, sent]) => [
        part,
        Number(failed) / Number(sent),
      ]),
    );
    expect(Object.keys(outcome).sort()).toEqual(['db-01', 'lb-01', 'web-01', 'web-02']);
    // Nearly all: load reports each second, and the report that spans the kill also counts the requests answered
    // just before it (on a busy machine, one in fifteen in one run).
    expect(outcome['lb-01']).toBeGreaterThanOrEqual(0.8);
    expect(outcome['db-01']).toBeGreaterThanOrEqual(0.5);
    for (const web of ['web-01', 'web-02']) expect(outcome[web], web).toBeLessThan(0.5);
  }, 120_000);
});

describe('what lb-01 does when it comes back after a crash (active-passive)', () => {
  let run: SupervisorRun;
  beforeAll(async () => {
    run = await SupervisorRun.start('active-passive');
  }, 60_000);
  afterAll(() => run?.stop());

  it('with the default preemption it takes 10.0.0.10 back after its Master_Down_Interval: a second switch', async () => {
    await run.waitFor((e) => e.type === 'vrrp.state' && e.node === 'lb-01' && e.state === 'MASTER', 30_000);
    let from = run.lastSeq();
    expect(await run.command({ cmd: 'kill', node: 'lb-01' })).toMatchObject({ ok: true });
    await run.waitFor((e) => e.type === 'vrrp.state' && e.node === 'lb-02' && e.state === 'MASTER', 20_000, from);
    expect(run.events.some((e) => e.type === 'prediction' && e.id === 'lb-01-returns')).toBe(false);
    from = run.lastSeq();
    expect(await run.command({ cmd: 'start', node: 'lb-01' })).toMatchObject({ ok: true });
    const measured = (await run.waitFor(
      (e) => e.type === 'prediction' && e.id === 'lb-01-returns',
      20_000,
      from,
    )) as PredictionEvent;
    console.log(`lb-01-returns: ${measured.value} (${measured.how})`);
    expect(measured.value).toBe('lb-01 takes 10.0.0.10 back: a second switch');
    // lb-01 starts as BACKUP, discards lb-02's weaker adverts and waits out 3 × 1 s + (256 − 101)/256 s = 3.61 s.
    const after = Number(/^lb-01 was MASTER again ([\d.]+) s after its keepalived started$/.exec(measured.how)![1]);
    expect(after).toBeGreaterThanOrEqual(3.5);
    expect(after).toBeLessThanOrEqual(7);
  }, 60_000);
});
