// Leaving out the mechanism lesson 3 teaches (option redispatch) fails its goal, and the exercise panel (which shows
// the latest `goal` event) says so; its solution is proven in solutions.test.ts with every other goal's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxEvent } from '../../../sandboxes/shared/events/index';
import { load, SupervisorRun } from '../supervisor/harness';

type GoalEvent = Extract<SandboxEvent, { type: 'goal' }>;

describe('leaving out the mechanism a lesson teaches', () => {
  let run: SupervisorRun;
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
    const shown = () => run.events.filter((e): e is GoalEvent => e.type === 'goal' && e.id === 'no-failed-request').at(-1)!;
    await expect.poll(() => shown().observed, { timeout: 15_000, interval: 250 }).toMatch(/^after web-01 died/);
    const { met, observed } = shown();
    expect(met).toBe(false);
    expect(observed).toMatch(/^after web-01 died, lb-01 answered \d+ requests: [1-9]\d* failed \((50\d x \d+(, )?)+\)$/);
    // Every 503 the clients got is one lb-01 answered in the aftermath.
    expect(Number(/: (\d+) failed/.exec(observed)![1])).toBeGreaterThanOrEqual(failed);
    expect(run.events.some((e) => e.seq > from && e.type === 'goal' && e.id === 'no-failed-request' && e.met)).toBe(false);
  }, 60_000);
});
