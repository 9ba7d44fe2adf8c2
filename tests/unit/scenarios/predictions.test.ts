// The lessons' predictions measured from event lists shaped like the supervisor's (synthetic, with the fields the
// real programs publish): each measure says nothing until what it measures has happened, then the value the run shows.
import { describe, expect, it } from 'vitest';
import { takeoverTime } from '../../../sandboxes/scenarios/active-passive';
import { failuresBeforeDown } from '../../../sandboxes/scenarios/server-dies';
import { outageFailures } from '../../../sandboxes/scenarios/spof';
import { slowShare } from '../../../sandboxes/scenarios/uneven-servers';
import { scenarios } from '../../../sandboxes/scenarios/index';
import { defineScenario } from '../../../sandboxes/contracts/scenario';
import { killed, request, started, stream, type Unstamped, webRequest } from '../view/stream';

const down = (server: string): Unstamped => ({
  type: 'balancer.server',
  backend: 'be_app',
  server,
  status: 'DOWN',
  usable: false,
  weight: 1,
  transition: 'DOWN',
});
const vrrp = (state: 'BACKUP' | 'MASTER'): Unstamped => ({
  type: 'vrrp.state',
  instance: 'VI_1',
  vrid: 51,
  state,
  priority: 100,
  vips: ['10.0.0.10'],
});
const report = (sent: number, ok: number, refused: number): Unstamped => ({
  type: 'client.requests',
  url: 'http://10.0.0.2/',
  interval_ms: 1000,
  sent,
  answered: { '2xx': ok, '3xx': 0, '4xx': 0, '5xx': 0 },
  refused,
  timed_out: 0,
  reset: 0,
  other: 0,
  p95_ms: ok ? 3 : null,
});
/** A request lb-01 logged at `time`, accepted `Ta` ms before. */
const logged = (status: number, Ta: number, server = 'web-01', redispatched = false): Unstamped => ({
  ...request(status, Ta, server),
  redispatched,
});

describe('how many requests fail when web-01 dies (server-dies)', () => {
  it('counts the requests lb-01 accepted between the death and DOWN that failed, once web-01 is DOWN', () => {
    const events = stream(
      [900, 'lb-01', logged(200, 2)],
      [1000, 'supervisor', killed('web-01')],
      [1100, 'lb-01', logged(200, 2, 'web-02')],
      [3500, 'lb-01', down('web-01')],
      // accepted at 1200 and 3400, answered 503 after three retries; one accepted after DOWN went to web-02
      [4200, 'lb-01', logged(503, 3000)],
      [6400, 'lb-01', logged(503, 3000)],
      [6500, 'lb-01', logged(200, 2, 'web-02')],
    );
    expect(failuresBeforeDown({ events: events.slice(0, 3), now: 3000 })).toBeUndefined();
    // DOWN, but requests taken in before it may still be in their retries: the count waits for the aftermath.
    expect(failuresBeforeDown({ events: events.slice(0, 5), now: 4200 })).toBeUndefined();
    expect(failuresBeforeDown({ events, now: 9000 })).toEqual({
      value: 2,
      how: "of the 3 requests lb-01 took in during the 2.5 s from web-01's death to DOWN, 2 failed",
    });
  });

  it('skips a death during which no request came, and says when option redispatch saved them', () => {
    const events = stream(
      [1000, 'supervisor', killed('web-01')],
      [4000, 'lb-01', down('web-01')],
      [5000, 'supervisor', started('web-01')],
      [9000, 'supervisor', killed('web-01')],
      [9200, 'lb-01', logged(200, 5, 'web-02', true)],
      [11_000, 'lb-01', down('web-01')],
    );
    expect(failuresBeforeDown({ events, now: 17_000 })).toEqual({
      value: 0,
      how: "of the 1 request lb-01 took in during the 2.0 s from web-01's death to DOWN, 0 failed; 1 was redispatched to web-02 (option redispatch was on)",
    });
  });
});

describe('how long until lb-02 is MASTER (active-passive)', () => {
  it('measures from lb-01 killed while MASTER to lb-02 entering MASTER state', () => {
    const events = stream(
      [3600, 'lb-01', vrrp('MASTER')],
      [3610, 'lb-02', vrrp('BACKUP')],
      [10_000, 'supervisor', killed('lb-01')],
    );
    expect(takeoverTime({ events })).toBeUndefined();
    const after = stream(...events.map((e) => [e.time, e.node, e] as [number, string, Unstamped]), [
      12_714,
      'lb-02',
      vrrp('MASTER'),
    ]);
    expect(takeoverTime({ events: after })).toEqual({
      value: 2.71,
      how: "from lb-01's exit to lb-02's `(VI_1) Entering MASTER STATE`",
    });
  });

  it('ignores a kill of lb-01 before it was MASTER', () => {
    const events = stream([500, 'supervisor', killed('lb-01')], [4100, 'lb-02', vrrp('MASTER')]);
    expect(takeoverTime({ events })).toBeUndefined();
  });
});

describe("the slow server's share under round robin (uneven-servers)", () => {
  /** As a run starts: the web servers and lb-01 start, then a request every 50 ms, web-02's answered `late` ms later. */
  const served = (nodes: string[], late = 0) =>
    [
      [0, 'supervisor', started('web-01')],
      [10, 'supervisor', started('lb-01')],
      ...nodes
        .map((node, i) => {
          const duration_ms = 3 + (node === 'web-02' ? late : 0);
          return [100 + i * 50 + duration_ms, node, { ...webRequest(200, '10.0.0.2'), duration_ms }];
        })
        .sort(([a], [b]) => Number(a) - Number(b)),
    ] as [number, string, Unstamped][];
  const alternate = Array.from({ length: 30 }, (_, i) => (i % 2 ? 'web-02' : 'web-01'));
  /** Long after the last request: nothing is on its way. */
  const later = 10_000;

  it('says about half once 30 requests went through the starting configuration', () => {
    expect(slowShare({ events: stream(...served(alternate.slice(0, 29))), now: later })).toBeUndefined();
    expect(slowShare({ events: stream(...served(alternate)), now: later })).toEqual({
      value: 'about half',
      how: 'web-02 served 15 of the first 30 requests through lb-01 under round robin (50%)',
    });
  });

  it('counts the first 30 to arrive, not the first 30 answered, and waits until none of those can be on its way', () => {
    // web-02 answers 300 ms late: of the first 30 answers, only 13 are its own (CI, on a busy machine, saw 11).
    const events = stream(...served([...alternate, ...alternate.slice(0, 10)], 300));
    const answers = events.filter((e) => e.type === 'web.request').slice(0, 30);
    expect(answers.filter((e) => e.node === 'web-02')).toHaveLength(13);
    // The 30th request arrived at 1,550 ms; one sent before it could still be on its way until 1,853 ms.
    expect(slowShare({ events: events.filter((e) => e.time <= 1853), now: 1853 })).toBeUndefined();
    expect(slowShare({ events, now: 1854 })?.how).toBe(
      'web-02 served 15 of the first 30 requests through lb-01 under round robin (50%)',
    );
  });

  it('measures nothing before lb-01 has started, and only its starting configuration (not after a reload)', () => {
    expect(slowShare({ events: stream(...served(alternate).slice(2)), now: later })).toBeUndefined();
    const reloaded: [number, string, Unstamped] = [50, 'lb-01', { type: 'balancer.reload', ok: true, messages: [] }];
    const [web, lb, ...requests] = served(alternate);
    expect(slowShare({ events: stream(web, lb, reloaded, ...requests), now: later })).toBeUndefined();
  });

  it('says less than half when web-02 got under 40 % of them', () => {
    const mostlyFast = Array.from({ length: 30 }, (_, i) => (i % 3 ? 'web-01' : 'web-02'));
    expect(slowShare({ events: stream(...served(mostlyFast)), now: later })?.value).toBe('less than half');
  });
});

describe('what share of requests fail when lb-01 dies (spof)', () => {
  it("adds up the clients' reports that lie inside lb-01's outage", () => {
    const events = stream(
      [1000, 'supervisor', report(10, 10, 0)],
      [1500, 'supervisor', killed('lb-01')],
      [2000, 'supervisor', report(10, 5, 5)], // half of it before the death: not counted
      [3000, 'supervisor', report(10, 0, 10)],
      [4000, 'supervisor', report(10, 0, 10)],
    );
    expect(outageFailures({ events: events.slice(0, 3), now: 2000 })).toBeUndefined();
    expect(outageFailures({ events, now: 4000 })).toEqual({
      value: 100,
      how: '20 of the 20 requests load sent to lb-01 while it was down failed',
    });
  });
});

describe('predictions in the scenario format', () => {
  it('every prediction of the lessons names a goal of its scenario and measures nothing before anything happens', () => {
    const all = Object.values(scenarios).flatMap((s) => (s.predictions ?? []).map((p) => ({ s, p })));
    expect(all.map(({ s, p }) => `${s.name}/${p.id}`)).toEqual(
      expect.arrayContaining([
        'server-dies/failures-before-down',
        'active-passive/takeover-time',
        'uneven-servers/slow-server-share',
        'spof/balancer-outage-share',
      ]),
    );
    for (const { s, p } of all) {
      expect(
        s.goals.map((g) => g.id),
        `${s.name}/${p.id}`,
      ).toContain(p.goal);
      expect(
        p.measure({ events: [], now: 0, nodes: [], cuts: [], file: () => undefined }),
        `${s.name}/${p.id}`,
      ).toBeUndefined();
    }
  });

  it('refuses a prediction that belongs to a goal the scenario does not have, or a choice with one option', () => {
    const base = scenarios['server-dies'];
    const measure = () => undefined;
    expect(() =>
      defineScenario({
        ...base,
        predictions: [{ id: 'p', question: 'How many?', kind: { type: 'number', unit: 's' }, goal: 'nope', measure }],
      }),
    ).toThrow("scenario 'server-dies': prediction 'p' belongs to goal 'nope', which is not in goals");
    expect(() =>
      defineScenario({
        ...base,
        predictions: [{ id: 'p', question: 'Which?', kind: { type: 'choice', choices: ['one'] }, measure }],
      }),
    ).toThrow(/predictions\.0\.kind\.choices: a choice needs two or more options/);
  });
});
