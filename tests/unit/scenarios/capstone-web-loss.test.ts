// The capstone's web-loss goal judged from event lists shaped like the supervisor's: a web server killed under
// traffic, and what the balancers logged in the 8 s after. A request the server was already answering as it died
// ends 502 `SH--` in HAProxy whatever the retry settings (only `retry-on` resends a request), so the goal forgives
// those and no other failure.
import { describe, expect, it } from 'vitest';
import { scenarios } from '../../../sandboxes/scenarios/index';
import { killed, request, stream, type Unstamped } from '../view/stream';

const goal = scenarios.capstone.goals.find((g) => g.id === 'web-loss')!;
const judge = (events: ReturnType<typeof stream>, now: number) =>
  goal.check({ events, now, nodes: [], cuts: [], file: () => undefined });

/** Ten answered requests through lb-01 over the aftermath, the first at `from`. */
const answered = (from: number): [number, string, Unstamped][] =>
  Array.from({ length: 10 }, (_, i) => [from + i * 500, 'lb-01', request(200, 3, 'web-02')]);
/** The request web-01 was answering when it died: the server aborted it, so lb-01 answers 502 itself. */
const caughtDying: Unstamped = { ...request(502, 12, 'web-01'), termination: 'SH--' };
/** A request whose connection to the dead web-01 failed on every retry: what `option redispatch` prevents. */
const refusedEveryTry: Unstamped = { ...request(503, 3000, 'web-01'), termination: 'SC--', retries: 3 };

describe('the capstone goal web-loss: kill a web server under traffic', () => {
  it('is met with no failed request, once the 8 s after the death are over', () => {
    const events = stream([1000, 'supervisor', killed('web-01')], ...answered(1200));
    expect(judge(events, 8000)).toMatchObject({ met: false });
    expect(judge(events, 9000)).toMatchObject({
      met: true,
      observed: '10 requests in the 8 s after web-01 died: none failed',
    });
  });

  it('forgives the 502 of a request web-01 was answering as it died, and says so', () => {
    const events = stream([1000, 'supervisor', killed('web-01')], [1010, 'lb-01', caughtDying], ...answered(1200));
    expect(judge(events, 9000)).toMatchObject({
      met: true,
      observed: expect.stringMatching(
        /^11 requests in the 8 s after web-01 died: none failed but the 1 request web-01 was answering as it died \(502 SH--/,
      ),
    });
  });

  it('is not met when a request failed that a retry on the other server would have saved', () => {
    const events = stream([1000, 'supervisor', killed('web-01')], [4000, 'lb-01', refusedEveryTry], ...answered(1200));
    expect(judge(events, 9000)).toMatchObject({
      met: false,
      observed: '11 requests in the 8 s after web-01 died: 1 failed (503 x 1)',
    });
  });
});
