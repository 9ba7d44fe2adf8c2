// Leaving out the mechanism lesson 3 teaches (option redispatch) fails its goal, and the exercise panel (which shows
// the latest `goal` event) says so; with it, the panel says no request failed. Its solution through the shell is
// proven in solutions.test.ts with every other goal's. The lesson's prediction (how many requests fail) is measured
// from the same runs and published as a `prediction` event.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxEvent } from '../../../sandboxes/contracts/events/index';
import { load, SupervisorRun, type GoalEvent } from '../../support/supervisor';

type PredictionEvent = Extract<SandboxEvent, { type: 'prediction' }>;

describe('leaving out the mechanism a lesson teaches', () => {
  let run: SupervisorRun;
  const shown = () => run.goal('no-failed-request')!;
  const measured = (from: number) =>
    run.events
      .filter((e): e is PredictionEvent => e.seq > from && e.type === 'prediction' && e.id === 'failures-before-down')
      .at(-1);
  beforeAll(async () => {
    run = await SupervisorRun.start('server-dies');
  });
  afterAll(() => run?.stop());

  it('without option redispatch, killing a server under load fails requests, the goal stays unmet and its text says why', async () => {
    const from = run.lastSeq();
    await run.command({ cmd: 'kill', node: 'web-01', after_ms: 1000 });
    const answers = await load('10.0.0.2:80', 20, 5000);
    const failed = answers.filter((a) => a.status === 503).length;
    expect(failed).toBeGreaterThan(0);
    // The check judges a kill once its aftermath (8 s from the kill, 4 s after the load) is over. What the page
    // shows is the goal's latest event, so that is what must tell it.
    await expect.poll(() => shown().observed, { timeout: 15_000, interval: 250 }).toMatch(/^after web-01 died/);
    const { met, observed } = shown();
    expect(met).toBe(false);
    expect(observed).toMatch(
      /^after web-01 died, lb-01 answered \d+ requests: [1-9]\d* failed \((50\d x \d+(, )?)+\)(, besides the \d+ requests? web-01 was answering as it died .*)?$/,
    );
    // Every 503 the clients got is one lb-01 answered in the aftermath.
    expect(Number(/: (\d+) failed/.exec(observed)![1])).toBeGreaterThanOrEqual(failed);
    expect(run.events.some((e) => e.seq > from && e.type === 'goal' && e.id === 'no-failed-request' && e.met)).toBe(
      false,
    );
    // The prediction is measured from this run: the requests lb-01 took in between the death and DOWN (fall 3 ×
    // inter 1 s: 2 to 3 s, with margin for a loaded machine) that failed, which are the failures the clients saw.
    await expect.poll(() => measured(from), { timeout: 5000, interval: 250 }).toBeDefined();
    const prediction = measured(from)!;
    const window = Number(/during the ([\d.]+) s from web-01's death to DOWN/.exec(prediction.how)![1]);
    expect(window).toBeGreaterThanOrEqual(1.9);
    expect(window).toBeLessThan(4.5);
    expect(prediction.value).toBeGreaterThan(0);
    expect(prediction.value).toBeLessThanOrEqual(answers.filter((a) => a.status >= 500).length);
    expect(prediction.value).toBeLessThanOrEqual(Math.ceil(20 * window) + 1);
  }, 60_000);

  it('with option redispatch, the same kill fails no request but those web-01 was answering, and the goal is met', async () => {
    const from = run.lastSeq();
    expect(await run.command({ cmd: 'reset' })).toMatchObject({ ok: true });
    await run.waitFor((e) => e.type === 'balancer.server' && e.server === 'web-01' && e.usable, 15_000, from);
    const cfg = join(run.folder, 'haproxy.cfg');
    writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('    retries 3\n', '    retries 3\n    option redispatch\n'));
    expect(await run.command({ cmd: 'reload', node: 'lb-01' })).toMatchObject({ ok: true });
    const before = run.lastSeq();
    await run.command({ cmd: 'kill', node: 'web-01', after_ms: 1000 });
    const answers = await load('10.0.0.2:80', 20, 5000);
    // A request web-01 was answering when it died fails with 502 (SH--) even so: HAProxy redispatches a connection
    // that failed, not a request already sent. Every other request is answered.
    const logged = run.events.filter((e) => e.seq > before && e.type === 'balancer.request' && e.status >= 500);
    expect(answers.filter((a) => a.status !== 200).every((a) => a.status === 502)).toBe(true);
    expect(
      logged.every((e) => e.type === 'balancer.request' && e.server === 'web-01' && e.termination === 'SH--'),
      JSON.stringify(logged),
    ).toBe(true);
    // The reset began a new run: what is measured now is this run's, with redispatch on.
    await expect
      .poll(() => measured(from)?.how, { timeout: 15_000, interval: 250 })
      .toMatch(/redispatched to web-02 \(option redispatch was on\)$/);
    const met = (await run.goalMet('no-failed-request', 15_000)) as GoalEvent;
    expect(met.observed).toMatch(
      /^after web-01 died, lb-01 answered \d+ requests: none failed( but the \d+ requests? web-01 was answering as it died \(502 SH--: .*\))?$/,
    );
  }, 60_000);
});
