// Why a second server: what it adds is capacity. Each web server answers at most 35.7 requests a second (5 workers ×
// 140 ms, sandboxes/web/README.md). web-01 alone carries 20 req/s but not 50; web-02 is racked and configured but
// switched off, so starting it brings it into service once its health checks pass; 80 req/s needs a third server,
// web-03, which is switched off and missing from haproxy.cfg: scaling out is starting it and adding its server line.
// 80, not 100: three servers at 75 % (not 93 %) leave the margin a busy laptop needs, and two are still overloaded.
import type { SandboxEvent } from '../contracts/events/index';
import { appRequests, windows } from './build/observe';
import { defineScenario, type World } from '../contracts/scenario';
import { balancer, haproxyCfg, HEALTH_CHECK, webServer } from './build/topology';

const lb = balancer();
const web1 = webServer(1);
const [web2, web3] = [webServer(2), webServer(3)].map((node) => ({ ...node, stopped: true }));

/** Seconds of the clients' reports a verdict looks at: long enough to see a backlog fill or stay empty. */
const SPAN = 5;

type ClientRequests = Extract<SandboxEvent, { type: 'client.requests' }>;

interface Stretch {
  /** Requests sent per second over the stretch. */
  rate: number;
  /** The slowest of its seconds, in requests sent per second: a stretch may straddle two loads. */
  slowest: number;
  /** Requests that got a 5xx or no answer at all. */
  failed: number;
  /** Requests that ended (answered or failed) during the stretch: a report counts a request when it ends, not when it was sent. */
  ended: number;
  sent: number;
  /** The worst second's p95, in ms. */
  p95: number;
  /** The web servers that answered requests through lb-01 during the stretch. */
  servers: string[];
  /** What each web server refused (503: every worker busy and the backlog full), from its per-second pool samples. */
  refused: Record<string, number>;
}

/** Every run of SPAN consecutive seconds of client traffic to lb-01, with what it saw and who served it. */
function stretches(events: readonly SandboxEvent[]): Stretch[] {
  // A report's URL is whatever the client was given: one that does not parse was not sent to lb-01.
  const toLb = (url: string) => URL.canParse(url) && new URL(url).hostname === lb.address;
  const reports = events.filter((e): e is ClientRequests => e.type === 'client.requests' && toLb(e.url));
  const served = appRequests(events, lb.address);
  const samples = events.filter((e) => e.type === 'web.pool');
  return windows(reports, SPAN).map((span) => {
    const sent = span.reduce((n, r) => n + r.sent, 0);
    const ms = span.reduce((n, r) => n + r.interval_ms, 0);
    const from = span[0].time - span[0].interval_ms;
    const to = span[SPAN - 1].time;
    return {
      rate: (sent * 1000) / ms,
      slowest: Math.min(...span.map((r) => (r.sent * 1000) / r.interval_ms)),
      sent,
      failed: span.reduce((n, r) => n + r.answered['5xx'] + r.refused + r.timed_out + r.reset + r.other, 0),
      ended: span.reduce(
        (n, r) =>
          n +
          r.answered['2xx'] +
          r.answered['3xx'] +
          r.answered['4xx'] +
          r.answered['5xx'] +
          r.refused +
          r.timed_out +
          r.reset +
          r.other,
        0,
      ),
      p95: Math.max(0, ...span.map((r) => r.p95_ms ?? 0)),
      servers: [
        ...new Set(served.filter((e) => e.time >= from && e.time <= to && e.status < 500).map((e) => e.node)),
      ].sort(),
      // A pool sample tells the second before it: those of the stretch's seconds came a second or more after its start.
      refused: refusedBy(samples.filter((e) => e.time >= from + 1000 && e.time <= to)),
    };
  });
}

/** The web servers' refusals, by server, from their pool samples. */
function refusedBy(events: readonly SandboxEvent[]): Record<string, number> {
  const refused: Record<string, number> = {};
  for (const e of events)
    if (e.type === 'web.pool' && e.refused > 0) refused[e.node] = (refused[e.node] ?? 0) + e.refused;
  return refused;
}

function describeStretch(s: Stretch | undefined): string {
  if (!s) return `no ${SPAN} s of load through lb-01 yet (the panel's Load, or \`load\` in the terminal)`;
  const errors = s.ended ? Math.round((s.failed / s.ended) * 100) : 0;
  const refused = Object.entries(s.refused).map(([node, n]) => `${node} refused ${n}`);
  return `${SPAN} s at ${Math.round(s.rate)} req/s: p95 ${Math.round(s.p95)} ms, ${errors}% failed, served by ${[s.servers.join(', ') || 'nobody', ...refused].join('; ')}`;
}

/** The stretch at about `rate` or more that best meets `good`, or the latest one, for the verdict's text. */
function verdict(events: readonly SandboxEvent[], rate: number, good: (s: Stretch) => boolean) {
  const all = stretches(events);
  const met = all.find((s) => s.rate >= rate * 0.8 && good(s));
  return { met: !!met, observed: describeStretch(met ?? all.at(-1)) };
}

/**
 * The share of requests that failed in the first SPAN seconds of about 50 requests a second (40 or more in each of
 * them) that web-01 served alone: what the learner predicts before the overload goal, in percent.
 */
export function overloadShare({ events }: Pick<World, 'events'>) {
  const alone = stretches(events).find((s) => s.slowest >= 40 && s.servers.join() === web1.name && s.ended > 0);
  if (!alone) return undefined;
  return {
    value: Math.round((alone.failed / alone.ended) * 100),
    how: `${alone.failed} of the ${alone.ended} requests that ended in ${SPAN} s at ${Math.round(alone.rate)} req/s with web-01 alone failed`,
  };
}

const serverLine = (node: typeof web1) => `server ${node.name} ${node.address}:80 check inter 1s fall 3 rise 2`;

export default defineScenario({
  name: 'scale-out',
  title: 'How much one server can do',
  summary:
    'lb-01 (10.0.0.2) sends requests to web-01 and web-02 in turn; web-02 and web-03 are switched off. Each web server answers at most 35.7 requests a second (5 workers × 140 ms).',
  // Started in this order: the web servers listen before the balancer checks them; web-02 and web-03 start stopped.
  nodes: [web1, web2, web3, lb],
  files: {
    'haproxy.cfg': haproxyCfg({
      balance: 'roundrobin',
      options: ['retries 3', 'option redispatch'],
      servers: [
        { node: web1, params: HEALTH_CHECK },
        { node: web2, params: HEALTH_CHECK },
      ],
    }),
  },
  faults: [],
  goals: [
    {
      id: 'overload',
      title: 'Send 50 requests a second to the site while web-01 serves alone, and see it run out of capacity.',
      hints: [
        'The Load control above the charts sends a steady rate of requests to lb-01; so does `load` in the terminal. `infra capacity web-01` shows how much web-01 can do.',
        'Watch web-01 in the topology (busy workers, requests waiting) and the p95 and error charts while 50 requests a second arrive.',
        'Run `load -r 50 -d 8s`.',
      ],
      solution: ['load -r 50 -d 8s'],
      check({ events }) {
        const result = verdict(
          events,
          50,
          (s) => s.servers.join() === web1.name && s.failed > 0 && (s.refused[web1.name] ?? 0) > 0,
        );
        return {
          met: result.met,
          expected: `${SPAN} s at about 50 req/s served by web-01 alone, with requests refused (503) because its workers and backlog are full`,
          observed: result.observed,
        };
      },
    },
    {
      id: 'second-server',
      title: 'At 50 requests a second the site refuses about one request in four: make it refuse none.',
      challenge: true,
      hints: [
        'One server carries at most 35.7 requests a second. Is there another machine that could take a share? Look at the topology, or `infra status`.',
        'web-02 is already in haproxy.cfg, but switched off: lb-01 marks it DOWN.',
        'Once web-02 runs, lb-01 marks it UP after two passed checks (`rise 2`, one a second). Then send the same load again.',
        'Run `infra start web-02`, then `load -r 50 -d 12s`.',
      ],
      solution: ['infra start web-02', 'load -r 50 -d 12s'],
      check({ events }) {
        const result = verdict(
          events,
          50,
          (s) => s.failed === 0 && s.servers.includes(web1.name) && s.servers.includes(web2.name),
        );
        return {
          met: result.met,
          expected: `${SPAN} s at about 50 req/s served by web-01 and web-02, no request failed`,
          observed: result.observed,
        };
      },
    },
    {
      id: 'third-server',
      title: 'Scale out: carry 80 requests a second with at most 1% failed.',
      hints: [
        'Two servers carry 71 requests a second at most. Work out how many 80 needs.',
        'web-03 (10.0.0.13) is switched off and lb-01 does not know it: it needs to run, and haproxy.cfg needs a `server` line for it like the other two. `reload` makes lb-01 re-read the file.',
        `Start web-02 and web-03 (\`infra start\`), add \`${serverLine(web3)}\` under web-02's line in haproxy.cfg, \`reload\`, then \`load -r 80 -d 12s\`.`,
      ],
      solution: [
        'infra start web-02',
        'infra start web-03',
        'edit haproxy.cfg',
        `#   add the line "${serverLine(web3)}" under "${serverLine(web2)}" in backend be_app, save`,
        'reload',
        'load -r 80 -d 12s',
      ],
      check({ events }) {
        const all = [web1, web2, web3].map((n) => n.name);
        const result = verdict(
          events,
          80,
          (s) => s.failed <= s.ended * 0.01 && all.every((n) => s.servers.includes(n)),
        );
        return {
          met: result.met,
          expected: `${SPAN} s at about 80 req/s served by web-01, web-02 and web-03, at most 1% failed`,
          observed: result.observed,
        };
      },
    },
  ],
  predictions: [
    {
      id: 'overload-share',
      question:
        'web-01 alone (5 workers, 140 ms a request: 35.7 requests a second at most) gets 50 requests a second. What percentage of the requests fails?',
      kind: { type: 'number', unit: '%' },
      goal: 'overload',
      measure: overloadShare,
    },
  ],
});
