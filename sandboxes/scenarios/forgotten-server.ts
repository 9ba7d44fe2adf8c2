// The load balancer, a challenge: one visitor in three gets a 503. The backend still has a `server` line for web-03
// (10.0.0.13), a machine that is gone, and the line has no `check`: HAProxy never tests a server without one and
// keeps it UP whatever happens (configuration manual, server option `check`), so every third request is sent there,
// retried 3 times on the same address and answered with HAProxy's 503 (`SC--`). Found from lb-01's log; fixed by
// checking the server (it goes DOWN at the first failed check after the reload) or by removing its line.
import type { SandboxEvent } from '../contracts/events/index';
import { balancerRequests, countBy, describeCounts, plural, windows } from './build/observe';
import { defineScenario } from '../contracts/scenario';
import { balancer, haproxyCfg, HEALTH_CHECK, webServer } from './build/topology';

const lb = balancer();
const [web1, web2] = [webServer(1, ['--service-time', '20ms']), webServer(2, ['--service-time', '20ms'])];
/** The retired machine's address: no node of the topology answers there. */
const GONE = { ...webServer(3), address: '10.0.0.13' };

/** Requests in a row that must all be served at the first attempt: ten turns of a three-server rotation. */
const RUN = 30;

const failed = (events: readonly SandboxEvent[]) => balancerRequests(events, lb.name).filter((r) => r.status >= 500);

/** "of the last 30 through lb-01: 10 failed (503 x 10), 20 served" and who was asked. */
function lastRun(events: readonly SandboxEvent[]): string {
  const last = balancerRequests(events, lb.name).slice(-RUN);
  if (!last.length) return "no request through lb-01 yet (`load`, or the panel's Load)";
  const bad = last.filter((r) => r.status >= 500 || r.retries > 0);
  const by = describeCounts(
    countBy(bad, (r) => `${r.server ?? '<NOSRV>'} ${r.status} ${r.termination}`),
    'x',
  );
  return `of the last ${plural(last.length, 'request')} through lb-01, ${bad.length} failed or needed a retry${bad.length ? ` (${by})` : ''}`;
}

export default defineScenario({
  name: 'forgotten-server',
  title: 'Some visitors get an error',
  summary:
    'lb-01 (10.0.0.2) balances the site over the backend be_app with round robin. Visitors say that some pages fail, after a wait.',
  nodes: [web1, web2, lb],
  files: {
    'haproxy.cfg': haproxyCfg({
      balance: 'roundrobin',
      options: ['retries 3'],
      servers: [
        { node: web1, params: HEALTH_CHECK },
        { node: web2, params: HEALTH_CHECK },
        { node: GONE, params: '' },
      ],
    }),
  },
  faults: [],
  goals: [
    {
      id: 'see-the-failures',
      title: "Send traffic to the site and catch a failed request in lb-01's log.",
      hints: [
        "The panel's Load control, or `load` in the terminal, sends a steady rate of requests to lb-01 and counts the answers.",
        "Run `load -r 10 -d 3s` and look at the error chart and at lb-01's request lines in the event log.",
      ],
      solution: ['load -r 10 -d 3s'],
      check({ events }) {
        const bad = failed(events);
        return {
          met: bad.length > 0,
          expected: 'a request through lb-01 answered with a 5xx',
          observed: bad.length
            ? `lb-01 answered ${plural(bad.length, 'request')} with an error: ${describeCounts(
                countBy(bad, (r) => `${r.server ?? '<NOSRV>'} ${r.status} ${r.termination}`),
                'x',
              )}`
            : lastRun(events),
        };
      },
    },
    {
      id: 'every-visitor-served',
      title: 'One visitor in three gets a 503: find the cause and fix it.',
      challenge: true,
      hints: [
        "lb-01's log line for a failed request names the server it was sent to, its timers and its termination state. Which server is it?",
        "Read haproxy.cfg (`cat haproxy.cfg`): how does that server's line differ from the others? Is there a machine at its address in the topology?",
        'A server without `check` is never tested: HAProxy keeps it UP and gives it its turn forever. Add `check` to its line (or remove the line), `reload`, then send traffic again.',
      ],
      solution: [
        'edit haproxy.cfg',
        `#   add "check inter 1s fall 3 rise 2" at the end of the line "server ${GONE.name} ${GONE.address}:80", save`,
        'reload',
        // 30 clean requests at 10 a second take 3 s, after the first check has found web-03 gone: room for a busy machine.
        'load -r 10 -d 10s',
      ],
      check({ events }) {
        // Served at the first attempt: a redispatched retry still made its visitor wait for the dead address.
        const clean = windows(balancerRequests(events, lb.name), RUN).some((run) =>
          run.every((r) => r.status < 500 && r.retries === 0),
        );
        return {
          met: clean,
          expected: `${RUN} requests in a row through lb-01, every one served at the first attempt`,
          observed: lastRun(events),
        };
      },
    },
  ],
});
