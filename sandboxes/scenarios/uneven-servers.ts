// Round robin, comparing algorithms: round robin gives a slow server as many requests as a fast one; leastconn sends
// each request to the server with the fewest in flight, so the slow one gets fewer.
import { appRequests, countBy, describeCounts, runsOf } from './build/observe';
import { defineScenario, type World } from '../contracts/scenario';
import { balancer, haproxyCfg, webServer } from './build/topology';

/** web-02's handicap: every answer takes this much longer. */
const SLOW_MS = 300;
/**
 * What a request costs a fast server here: a cheap page, far less than the web server's default 140 ms. leastconn
 * balances requests in progress, so the slow server's share is about FAST_MS / (2 × FAST_MS + SLOW_MS): 6 % with
 * 20 ms, but 24 % with the default 140 ms, and more on a loaded machine, where every answer takes a few tens of
 * milliseconds longer and the two costs look alike (a run of 30 % was seen). The default would also put web-02 at
 * 88 % of its capacity under round robin (10 req/s × 440 ms over 5 workers): queueing this lesson is not about.
 */
const FAST_MS = 20;

const lb = balancer();
const [web1, web2] = [
  webServer(1, ['--service-time', `${FAST_MS}ms`]),
  webServer(2, ['--service-time', `${FAST_MS}ms`]),
];
/** Requests a run of lb-01 must have answered before its split counts. */
const ENOUGH = 30;

/** Each configuration run of lb-01 with its app requests and web-02's share of them. */
function splits(events: Parameters<typeof runsOf>[0]) {
  return runsOf(events, lb.name).map((run) => {
    const served = appRequests(run, lb.address);
    const slow = served.filter((e) => e.node === web2.name);
    return {
      served,
      share: served.length ? slow.length / served.length : 0,
      stillSlow: slow.some((e) => e.duration_ms >= SLOW_MS * 0.8),
    };
  });
}

function observed(events: Parameters<typeof runsOf>[0]): string {
  const now = splits(events).at(-1);
  if (!now || now.served.length === 0) return 'no request through lb-01 since it last (re)started';
  return `since lb-01 last (re)started: ${describeCounts(countBy(now.served, (e) => e.node))} (web-02 ${Math.round(now.share * 100)}%)`;
}

const SHARES = ['less than half', 'about half', 'more than half'];

/** When a request reached its web server, on the events' clock (its event comes when it is answered). */
const arrival = (e: { time: number; duration_ms: number }) => e.time - e.duration_ms;

/**
 * web-02's share of the first ENOUGH requests lb-01 sent under its starting configuration (round robin, before any
 * reload or restart), said as one of SHARES: 40 to 60 % is about half.
 *
 * "First" is by arrival, not by answer: web-02 answers SLOW_MS late, so by the 30th answer web-01 has already
 * answered a few of its next turns (about 13 of 30 answers are web-02's at 20 req/s, 11 were seen on a busy machine).
 * The first 30 arrivals are known once any request still unanswered would be slower than every answer so far.
 */
export function slowShare({ events, now }: Pick<World, 'events' | 'now'>) {
  // The history before lb-01 first started is a run of its own, with no request: the configuration's first is next.
  const started = events.findIndex((e) => e.type === 'node.started' && e.name === lb.name);
  const served = started < 0 ? [] : (splits(events.slice(started))[0]?.served ?? []);
  const first = [...served].sort((a, b) => arrival(a) - arrival(b)).slice(0, ENOUGH);
  if (first.length < ENOUGH) return undefined;
  const slowest = Math.max(...served.map((e) => e.duration_ms));
  if (now - arrival(first[first.length - 1]) <= slowest) return undefined;
  const slow = first.filter((e) => e.node === web2.name).length;
  const share = slow / first.length;
  const value = share < 0.4 ? SHARES[0] : share <= 0.6 ? SHARES[1] : SHARES[2];
  return {
    value,
    how: `web-02 served ${slow} of the first ${first.length} requests through lb-01 under round robin (${Math.round(share * 100)}%)`,
  };
}

export default defineScenario({
  name: 'uneven-servers',
  title: 'A fast server and a slow one',
  summary: `web-02 takes ${SLOW_MS} ms more than web-01 to answer. Round robin gives each server its turn; leastconn looks at how busy each server is.`,
  nodes: [web1, web2, lb],
  files: {
    'haproxy.cfg': haproxyCfg({
      balance: 'roundrobin',
      servers: [
        { node: web1, params: 'check inter 1s' },
        { node: web2, params: 'check inter 1s' },
      ],
    }),
  },
  faults: [{ cmd: 'web', node: web2.name, behaviour: { slow_ms: SLOW_MS } }],
  goals: [
    {
      id: 'round-robin-split',
      title: 'Run a load through round robin and see what share of the requests the slow web-02 gets.',
      hints: [
        '`load` sends requests at a steady rate and sums up who answered and how fast.',
        `Send at least ${ENOUGH} requests: \`load -r 20 -d 3s\`. Compare the latency of web-01 and web-02.`,
      ],
      solution: ['load -r 20 -d 3s'],
      check({ events }) {
        const even = splits(events).find(
          (s) => s.served.length >= ENOUGH && s.stillSlow && s.share >= 0.4 && s.share <= 0.6,
        );
        return {
          met: !!even,
          expected: `${ENOUGH}+ requests through lb-01 under round robin while web-02 answers slowly`,
          observed: observed(events),
        };
      },
    },
    {
      id: 'leastconn',
      title:
        'The slow web-02 gets as many requests as the fast web-01: make lb-01 send it fewer than 3 in 10, while it keeps serving.',
      challenge: true,
      hints: [
        "Round robin counts turns, not work. Which of HAProxy's algorithms looks at how many requests each server has in progress?",
        '`balance leastconn` sends each request to the server with the fewest connections in flight. (Weights would also do, but only for as long as web-02 stays exactly this slow.)',
        'Change `balance roundrobin` to `balance leastconn` in haproxy.cfg and `reload`.',
        'leastconn only differs when requests overlap: use `load` (a single curl at a time always finds both servers idle).',
      ],
      solution: [
        'edit haproxy.cfg',
        '#   change "balance roundrobin" to "balance leastconn", save',
        'reload',
        'load -r 20 -d 3s',
      ],
      check({ events }) {
        const uneven = splits(events).find((s) => s.served.length >= ENOUGH && s.stillSlow && s.share < 0.3);
        return {
          met: !!uneven,
          expected: `${ENOUGH}+ requests through lb-01 with the slow web-02 still serving, but less than 30% of them`,
          observed: observed(events),
        };
      },
    },
  ],
  predictions: [
    {
      id: 'slow-server-share',
      question: `web-02 takes ${SLOW_MS} ms longer to answer than web-01. Under round robin, what share of the requests does web-02 get?`,
      kind: { type: 'choice', choices: SHARES },
      goal: 'round-robin-split',
      measure: slowShare,
    },
  ],
});
