// Round robin with weights: `weight` gives a server a bigger (or no) share of the turns.
import { appRequests, countBy, describeCounts, windows } from './build/observe';
import { defineScenario } from '../contracts/scenario';
import { balancer, haproxyCfg, webServer } from './build/topology';

const lb = balancer();
const [web1, web2] = [webServer(1), webServer(2)];

/** How many requests in a row the checks look at: enough to see a ratio, few enough to type with curl. */
const WINDOW = 20;

/** "in the last 20 through lb-01: web-01 served 5, web-02 served 15" (or that there was none yet). */
function lastFew(served: ReturnType<typeof appRequests>, size: number): string {
  const last = served.slice(-size);
  return last.length
    ? `in the last ${last.length} through lb-01: ${describeCounts(countBy(last, (e) => e.node))}`
    : 'no request through lb-01 yet';
}

export default defineScenario({
  name: 'weighted-servers',
  title: 'Weighted round robin',
  summary:
    'lb-01 shares requests between web-01 and web-02 by weight. Both start with the default weight 1, so they take turns.',
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
  faults: [],
  goals: [
    {
      id: 'three-to-one',
      title: 'Give web-02 three times the traffic of web-01 with weights.',
      hints: [
        'A `server` line takes `weight N` (0 to 256, default 1); each server gets turns in proportion to its weight.',
        'Edit haproxy.cfg so web-02 has weight 3 and web-01 weight 1, then `reload` the balancer.',
        `Then send at least ${WINDOW} requests: \`load -r 10 -d 3s\`.`,
      ],
      solution: [
        'edit haproxy.cfg',
        '#   add "weight 3" at the end of the line "server web-02 10.0.0.12:80 check inter 1s", save',
        'reload',
        'load -r 10 -d 3s',
      ],
      check({ events }) {
        const served = appRequests(events, lb.address);
        // Some 20 requests in a row split 15:5 (weighted round robin repeats web-02 web-02 web-01 web-02).
        const hit = windows(served, WINDOW).find(
          (w) => w.filter((e) => e.node === web2.name).length === (WINDOW * 3) / 4,
        );
        return {
          met: !!hit,
          expected: `in ${WINDOW} requests in a row through lb-01, web-02 serves ${(WINDOW * 3) / 4} and web-01 ${WINDOW / 4}`,
          observed: lastFew(served, WINDOW),
        };
      },
    },
    {
      id: 'drain',
      title:
        'Take web-01 out of the rotation without stopping it: it keeps running and passing checks, but serves no visitor.',
      hints: [
        'A server with `weight 0` still gets health checks but no new requests. (On real HAProxy you would drain without a reload, on the runtime API: `set server be_app/web-01 state drain`.)',
        'Set `weight 0` on web-01 in haproxy.cfg, `reload`, then send ten requests.',
      ],
      solution: [
        'edit haproxy.cfg',
        '#   add "weight 0" at the end of the line "server web-01 10.0.0.11:80 check inter 1s", save',
        'reload',
        'load -r 10 -d 2s',
      ],
      check({ events }) {
        // Ten visitors in a row went to web-02 while web-01 kept answering lb-01's health checks in between.
        const checked = (from: number, to: number) =>
          events.some(
            (e) =>
              e.type === 'web.request' &&
              e.node === web1.name &&
              e.path === '/health' &&
              e.status === 200 &&
              e.time >= from &&
              e.time <= to,
          );
        const served = appRequests(events, lb.address);
        const drained = windows(served, 10).find(
          (w) => w.every((e) => e.node === web2.name) && checked(w[0].time, w[9].time),
        );
        return {
          met: !!drained,
          expected: '10 requests in a row through lb-01 served by web-02 while web-01 stays up and passes its checks',
          observed: lastFew(served, 10),
        };
      },
    },
  ],
});
