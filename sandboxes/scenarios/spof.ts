// Lesson 8, single points of failure: break one part at a time and watch what visitors get. The web servers are
// redundant; the one balancer (and the one database) are not.
import { dbNode, storeConf } from './database';
import { downtimes, exits, plural, servedWhileDown } from './observe';
import { defineScenario, type World } from './scenario';
import { balancer, haproxyCfg, webServer } from './topology';

const lb = balancer();
const [web1, web2] = [webServer(1), webServer(2)];
const db1 = dbNode(1);

/** How long lb-01 must stay down, with both web servers fine, for the outage to count as seen. */
const OUTAGE_MS = 2000;

/**
 * The share of the requests `load` sent to lb-01 that failed while lb-01 was down, from the clients' own reports
 * (the only place a refused connection is counted): every report whose span lies inside an outage of lb-01.
 */
export function outageFailures({ events, now }: Pick<World, 'events' | 'now'>) {
  const reports = events.filter((e) => e.type === 'client.requests');
  for (const outage of downtimes(events, lb.name)) {
    const to = outage.to ?? now;
    const inside = reports.filter((r) => r.url.includes(`//${lb.address}`) && r.time - r.interval_ms >= outage.from && r.time <= to);
    const sent = inside.reduce((n, r) => n + r.sent, 0);
    if (!sent) continue;
    const ok = inside.reduce((n, r) => n + r.answered['2xx'] + r.answered['3xx'] + r.answered['4xx'], 0);
    const failed = sent - ok;
    return { value: Math.round((failed / sent) * 100), how: `${failed} of the ${sent} requests load sent to lb-01 while it was down failed` };
  }
  return undefined;
}

export default defineScenario({
  name: 'spof',
  title: 'Find the single points of failure',
  summary: 'One balancer, two web servers, one database. Break one part at a time: the site survives the loss of a web server, not the loss of lb-01.',
  nodes: [db1, web1, web2, lb],
  files: {
    'store.conf': storeConf(),
    'haproxy.cfg': haproxyCfg({
      balance: 'roundrobin',
      options: ['retries 3', 'option redispatch'],
      servers: [
        { node: web1, params: 'check inter 1s fall 3 rise 2' },
        { node: web2, params: 'check inter 1s fall 3 rise 2' },
      ],
    }),
  },
  faults: [],
  goals: [
    {
      id: 'web-is-redundant',
      title: 'Kill one web server and see the site keep answering: a web server is not a SPOF.',
      hints: ['`infra kill web-01` (or web-02), then send requests to the balancer at 10.0.0.2.', 'Run `infra kill web-01`, then `curl http://10.0.0.2/` three times.'],
      solution: ['infra kill web-01', 'curl http://10.0.0.2/', 'curl http://10.0.0.2/', 'curl http://10.0.0.2/'],
      check({ events }) {
        const best = Math.max(servedWhileDown(events, web1.name, web2.name, lb.address), servedWhileDown(events, web2.name, web1.name, lb.address));
        const anyDown = exits(events, web1.name).length + exits(events, web2.name).length > 0;
        return {
          met: best >= 3,
          expected: 'while one web server is down, 3 requests through lb-01 answered by the other',
          observed: anyDown ? `while a web server was down, the other answered ${plural(best, 'request')}` : 'no web server has gone down yet',
        };
      },
    },
    {
      id: 'balancer-is-spof',
      title: 'Kill lb-01 and see the site go away although both web servers are fine: the balancer is a SPOF.',
      hints: [
        '`infra kill lb-01`, then try `curl http://10.0.0.2/`: nothing answers at the address every visitor uses.',
        '`infra status` shows web-01 and web-02 still running: healthy servers nobody can reach.',
        'Start it again with `infra start lb-01` when you have seen enough.',
      ],
      solution: ['infra kill lb-01', 'curl http://10.0.0.2/', 'infra status'],
      check({ events, now }) {
        // An outage of lb-01 during which neither web server went down: the balancer alone took the site away.
        const webDown = (from: number, to: number) =>
          [web1, web2].some((web) => downtimes(events, web.name).some((d) => d.from < to && (d.to ?? now) > from));
        const outages = downtimes(events, lb.name).map((d) => ({ from: d.from, to: d.to ?? now }));
        const seen = outages.find((o) => o.to - o.from >= OUTAGE_MS && !webDown(o.from, o.to));
        const last = outages.at(-1);
        return {
          met: !!seen,
          expected: `lb-01 down for ${OUTAGE_MS / 1000} s or more while web-01 and web-02 keep running`,
          observed: last
            ? `lb-01 was down for ${((last.to - last.from) / 1000).toFixed(1)} s${webDown(last.from, last.to) ? ', but a web server was down too' : ' while both web servers ran: no visitor could reach them'}`
            : 'lb-01 has not gone down yet',
        };
      },
    },
  ],
  predictions: [
    {
      id: 'balancer-outage-share',
      question: 'lb-01 dies; web-01 and web-02 keep running. What share of the requests visitors send fail?',
      kind: { type: 'number', unit: '%' },
      goal: 'balancer-is-spof',
      measure: outageFailures,
    },
  ],
});
