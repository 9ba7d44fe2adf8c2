// The goal events the exercise panel shows: they follow what each check observes, not only whether it is met, and
// a flood of requests does not flood the stream with them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { load, SupervisorRun, type GoalEvent } from '../../support/supervisor';

const goalEvents = (run: SupervisorRun, id: string, from = 0) =>
  run.events.filter((e): e is GoalEvent => e.seq > from && e.type === 'goal' && e.id === id);

// One scenario at a time: requests from this process go through the network of the run started last.
describe('goal events under load', () => {
  let run: SupervisorRun;
  beforeAll(async () => {
    run = await SupervisorRun.start('two-servers');
  }, 60_000);
  afterAll(() => run?.stop());

  it('follow the observed text under load, at most once a second per goal, and end on what the check sees now', async () => {
    await run.waitFor((e) => e.type === 'balancer.server' && e.server === 'web-02' && e.usable, 15_000);
    const from = run.lastSeq();
    const started = Date.now();
    const answers = await load('10.0.0.2:80', 20, 5000);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(100);
    // The last text goes out at the first evaluation once its second has passed: about two seconds after the load on
    // an idle machine, later on a busy one.
    const now = async () => (await run.status()).goals.find((g) => g.id === 'both-answer')!;
    await expect
      .poll(async () => goalEvents(run, 'both-answer', from).at(-1)?.observed === (await now()).observed, {
        timeout: 15_000,
        interval: 250,
      })
      .toBe(true);
    const events = goalEvents(run, 'both-answer', from);
    // 100 requests in 5 s or more change the count at every evaluation (every 200 ms): about one event a second.
    expect(events.length).toBeGreaterThanOrEqual(4);
    expect(events.length).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / 1000) + 1);
    // Turning met goes out at once (a text change may come before it, while only web-01 has answered); the texts
    // after it at most once a second.
    const flip = events.findIndex((e) => e.met);
    expect(flip).toBeGreaterThanOrEqual(0);
    for (let i = flip + 2; i < events.length; i++)
      expect(events[i].time - events[i - 1].time).toBeGreaterThanOrEqual(1000);
    expect(events.at(-1)).toMatchObject({ met: true, observed: (await now()).observed });
    expect((await now()).observed).toBe('through lb-01: web-01 served 50, web-02 served 50');
  }, 60_000);
});

describe('goal events of the weighted-servers scenario', () => {
  let run: SupervisorRun;
  beforeAll(async () => {
    run = await SupervisorRun.start('weighted-servers');
  }, 60_000);
  afterAll(() => run?.stop());

  it('say there was no request yet before any, and then what the last requests did', async () => {
    await run.waitFor((e) => e.type === 'goal' && e.id === 'drain');
    expect(goalEvents(run, 'three-to-one').at(-1)).toMatchObject({
      met: false,
      observed: 'no request through lb-01 yet',
    });
    await run.waitFor((e) => e.type === 'balancer.server' && e.server === 'web-02' && e.usable, 15_000);
    await load('10.0.0.2:80', 10, 3000);
    await expect
      .poll(() => goalEvents(run, 'three-to-one').at(-1)?.observed, { timeout: 3000, interval: 200 })
      .toBe('in the last 20 through lb-01: web-01 served 10, web-02 served 10');
    expect(goalEvents(run, 'drain').at(-1)?.observed).toBe(
      'in the last 10 through lb-01: web-01 served 5, web-02 served 5',
    );
  }, 60_000);
});
