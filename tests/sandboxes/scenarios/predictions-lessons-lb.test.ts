// Predictions of the second-server and load-balancer lessons measured from real runs: in the scale-out scenario, the
// share of requests that fail when web-01 alone (5 workers × 140 ms: 35.7 requests a second at most) gets 50 a second
// from the shell's `load`, published as a `prediction` event only once 5 s of that load have been reported; in the
// server-dies scenario, how long lb-01 takes to mark a killed web-01 DOWN.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxEvent } from '../../../sandboxes/contracts/events/index';
import { scenarioWithShell } from '../../support/supervisor';
import { SupervisorRun } from '../../support/supervisor';

type PredictionEvent = Extract<SandboxEvent, { type: 'prediction' }>;

describe("the share of requests failed when one server gets 50 a second, measured from the shell's load", () => {
  const lab = scenarioWithShell('scale-out');
  const measured = () =>
    lab.scenario.events.filter((e) => e.type === 'prediction' && e.id === 'overload-share').at(-1) as
      PredictionEvent | undefined;

  it('is not measured while the load stays within what web-01 can do', async () => {
    await lab.shell.command('load -r 20 -d 6s', 30_000);
    // The goals and predictions are evaluated every second at least: a few evaluations pass with nothing measured.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(measured()).toBeUndefined();
  }, 60_000);

  it("is the part of the 50 requests a second above web-01's capacity, refused with 503", async () => {
    await lab.shell.command('load -r 50 -d 8s', 40_000);
    await lab.scenario.until(measured, 10_000);
    const { value, how } = measured()!;
    const [failed, ended, rate] =
      /^(\d+) of the (\d+) requests that ended in 5 s at (\d+) req\/s with web-01 alone failed$/
        .exec(how)!
        .slice(1)
        .map(Number);
    expect(value).toBe(Math.round((failed / ended) * 100));
    expect(rate).toBeGreaterThanOrEqual(40);
    // Above 35.7 a second every request beyond the 5 workers and the backlog of 20 is refused: about 29 % in a steady
    // second (sandboxes/web/README.md), less in the first 5 s, while the backlog fills; never none, never most.
    expect(value).toBeGreaterThanOrEqual(8);
    expect(value).toBeLessThanOrEqual(45);
  }, 90_000);
});

describe('how long lb-01 takes to mark a killed web-01 DOWN, measured from the run', () => {
  let run: SupervisorRun;
  beforeAll(async () => {
    run = await SupervisorRun.start('server-dies');
  }, 60_000);
  afterAll(() => run?.stop());

  it('is the time from the death to the DOWN line, within fall 3 × inter 1 s', async () => {
    await run.waitFor((e) => e.type === 'balancer.server' && e.server === 'web-01' && e.usable, 20_000);
    expect(run.events.some((e) => e.type === 'prediction' && e.id === 'detection-time')).toBe(false);
    const from = run.lastSeq();
    expect(await run.command({ cmd: 'kill', node: 'web-01' })).toMatchObject({ ok: true });
    const measured = (await run.waitFor(
      (e) => e.type === 'prediction' && e.id === 'detection-time',
      20_000,
      from,
    )) as PredictionEvent;
    const death = run.events.find((e) => e.seq > from && e.type === 'node.exited' && e.name === 'web-01')!;
    const down = run.events.find(
      (e) => e.seq > from && e.type === 'balancer.server' && e.server === 'web-01' && e.transition === 'DOWN',
    )!;
    expect(measured.value).toBe(Number(((down.time - death.time) / 1000).toFixed(1)));
    // The first failed check comes 0 to 1 s after the death, two more follow a second apart: 2 to 3 s, with margin
    // for timers late on a loaded machine.
    expect(measured.value).toBeGreaterThanOrEqual(1.9);
    expect(measured.value).toBeLessThanOrEqual(4.6);
    expect(measured.how).toBe("from web-01's death to lb-01's `Server be_app/web-01 is DOWN`");
  }, 60_000);
});
