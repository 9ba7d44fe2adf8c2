// The spof challenge's judge, from event lists shaped like the supervisor's: a part counts as tested only by the
// requests `load` sent while that part alone was down (the stretches when another part was down too are left out),
// and db-01 only by requests for the cart, the page that needs it.
import { describe, expect, it } from 'vitest';
import spof, { loneOutages } from '../../../sandboxes/scenarios/spof';
import { killed, started, stream, type Unstamped } from '../view/stream';

const report = (path: string, sent: number, ok: number, failed: number): Unstamped => ({
  type: 'client.requests',
  url: `http://10.0.0.2${path}`,
  interval_ms: 1000,
  sent,
  answered: { '2xx': ok, '3xx': 0, '4xx': 0, '5xx': failed },
  refused: 0,
  timed_out: 0,
  reset: 0,
  other: 0,
  p95_ms: ok ? 3 : null,
});
const challenge = spof.goals.find((g) => g.id === 'every-spof')!;
const prediction = spof.predictions!.find((p) => p.id === 'spof-parts')!;
const world = (events: ReturnType<typeof stream>, now: number) => ({
  events,
  now,
  nodes: [],
  cuts: [],
  file: () => undefined,
});

describe('the spof challenge: every part down alone under load', () => {
  it('counts only the stretch of an outage when no other part was down', () => {
    const events = stream(
      [1000, 'supervisor', killed('web-01')],
      [1500, 'supervisor', killed('web-02')], // both web servers down from here
      [2500, 'supervisor', report('/', 10, 0, 10)],
      [3000, 'supervisor', started('web-02')],
      [4000, 'supervisor', report('/', 10, 10, 0)], // web-01 alone down from 3000
      [5000, 'supervisor', report('/', 10, 10, 0)],
      [5500, 'supervisor', started('web-01')],
    );
    expect(loneOutages({ events, now: 6000 })).toEqual([{ part: 'web-01', sent: 20, failed: 0 }]);
  });

  it('tests db-01 only with requests for the cart: the home page never needs it', () => {
    const home = stream(
      [1000, 'supervisor', killed('db-01')],
      [2000, 'supervisor', report('/', 10, 10, 0)],
      [3000, 'supervisor', report('/', 10, 10, 0)],
    );
    expect(loneOutages({ events: home, now: 3500 })).toEqual([]);
    const cart = stream(
      [1000, 'supervisor', killed('db-01')],
      [2000, 'supervisor', report('/kv?key=cart', 10, 0, 10)],
      [3000, 'supervisor', report('/kv?key=cart', 10, 0, 10)],
    );
    expect(loneOutages({ events: cart, now: 3500 })).toEqual([{ part: 'db-01', sent: 20, failed: 20 }]);
  });

  it('is met, and the prediction measured, once all four parts are tested; not with three', () => {
    const outage = (part: string, at: number, failed: number): [number, string, Unstamped][] => [
      [at, 'supervisor', killed(part)],
      [at + 1000, 'supervisor', report('/kv?key=cart', 10, 10 - failed, failed)],
      [at + 2000, 'supervisor', report('/kv?key=cart', 10, 10 - failed, failed)],
      [at + 2500, 'supervisor', started(part)],
    ];
    const three = [...outage('web-01', 1000, 0), ...outage('web-02', 5000, 1), ...outage('lb-01', 9000, 10)];
    const partly = world(stream(...three), 12_000);
    expect(challenge.check(partly)).toMatchObject({
      met: false,
      observed: expect.stringContaining('not tested yet: db-01'),
    });
    expect(prediction.measure(partly)).toBeUndefined();
    const all = world(stream(...three, ...outage('db-01', 13_000, 10)), 16_000);
    expect(challenge.check(all).met).toBe(true);
    expect(prediction.measure(all)).toEqual({
      value: 'lb-01 and db-01',
      how: 'lb-01 down: 20 of 20 failed; web-01 down: 0 of 20 failed; web-02 down: 2 of 20 failed; db-01 down: 20 of 20 failed',
    });
  });
});
