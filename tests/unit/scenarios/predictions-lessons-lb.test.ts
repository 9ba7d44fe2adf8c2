// The overload prediction of the second-server lesson (scale-out) measured from event lists shaped like the
// supervisor's: the share of failed requests in the first 5 s of load at about 50 a second that web-01 served alone,
// never a stretch that straddles an earlier, lighter load.
import { describe, expect, it } from 'vitest';
import { overloadShare } from '../../../sandboxes/scenarios/scale-out';
import { stream, type Unstamped, webRequest } from '../view/stream';

/** One second of the shell's `load` to lb-01: sent, answered 2xx, answered 5xx. */
const second = (sent: number, ok: number, failed: number): Unstamped => ({
  type: 'client.requests',
  url: 'http://10.0.0.2/',
  interval_ms: 1000,
  sent,
  answered: { '2xx': ok, '3xx': 0, '4xx': 0, '5xx': failed },
  refused: 0,
  timed_out: 0,
  reset: 0,
  other: 0,
  p95_ms: 700,
});

/** A load's seconds from `start`, each with a request web-01 answered through lb-01 in it. */
function load(start: number, seconds: [sent: number, ok: number, failed: number][]): [number, string, Unstamped][] {
  return seconds.flatMap(([sent, ok, failed], i): [number, string, Unstamped][] => [
    [start + i * 1000 + 500, 'web-01', webRequest(200, '10.0.0.2')],
    [start + (i + 1) * 1000, 'clients', second(sent, ok, failed)],
  ]);
}

describe('what share of requests fail when web-01 alone gets 50 a second (scale-out)', () => {
  it('measures nothing while the load stays below 40 a second in any of five seconds', () => {
    expect(
      overloadShare({
        events: stream(
          ...load(0, [
            [20, 20, 0],
            [20, 20, 0],
            [20, 20, 0],
            [20, 20, 0],
            [20, 20, 0],
            [20, 20, 0],
          ]),
        ),
      }),
    ).toBeUndefined();
    // 20, then four seconds at 50: 44 a second over the five, but one of them was the lighter load.
    expect(
      overloadShare({
        events: stream(
          ...load(0, [
            [20, 20, 0],
            [50, 36, 0],
            [50, 36, 14],
            [50, 36, 14],
            [50, 36, 14],
          ]),
        ),
      }),
    ).toBeUndefined();
  });

  it('is the failed share of the first five seconds all at 40 or more, once they are over', () => {
    const events = stream(
      ...load(0, [
        [20, 20, 0],
        [20, 20, 0],
        [50, 36, 0],
        [50, 36, 6],
        [50, 36, 14],
        [50, 36, 14],
        [50, 36, 14],
        [50, 36, 14],
      ]),
    );
    expect(overloadShare({ events })).toEqual({
      value: 21,
      how: '48 of the 228 requests that ended in 5 s at 50 req/s with web-01 alone failed',
    });
  });

  it('does not count a stretch another server helped with', () => {
    const both = load(0, [
      [50, 50, 0],
      [50, 50, 0],
      [50, 50, 0],
      [50, 50, 0],
      [50, 50, 0],
    ]);
    expect(overloadShare({ events: stream(...both) })?.value).toBe(0);
    const helped: [number, string, Unstamped] = [2500, 'web-02', webRequest(200, '10.0.0.2')];
    expect(overloadShare({ events: stream(...[...both, helped].sort((a, b) => a[0] - b[0])) })).toBeUndefined();
  });
});
