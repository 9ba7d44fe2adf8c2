// Single points of failure, right after the balancer: break one part at a time and watch what visitors get. The web
// servers are redundant; the one balancer and the one database are not. The database shows only on the pages that
// need data (the cart, /kv?key=cart): a test that only loads the home page never finds it.
import { dbNode, storeConf } from './build/database';
import { downtimes, exits, plural, servedWhileDown } from './build/observe';
import { defineScenario, type World } from '../contracts/scenario';
import type { SandboxEvent } from '../contracts/events/index';
import { balancer, haproxyCfg, HEALTH_CHECK, webServer } from './build/topology';

const lb = balancer();
const db1 = dbNode(1);
// The shop's pages: the home page needs no data; the cart (/kv?key=cart) reads it from db-01.
// 20 ms of work per request, not the default 140: the lesson is about which loss stops the site, not capacity, and a
// killed server's requests in flight are few.
const app = ['--service-time', '20ms', '--db', `${db1.address}:5432`];
const [web1, web2] = [webServer(1, app), webServer(2, app)];
const PARTS = [lb, web1, web2, db1];

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
    const inside = reports.filter(
      (r) => r.url.includes(`//${lb.address}`) && r.time - r.interval_ms >= outage.from && r.time <= to,
    );
    const sent = inside.reduce((n, r) => n + r.sent, 0);
    if (!sent) continue;
    const ok = inside.reduce((n, r) => n + r.answered['2xx'] + r.answered['3xx'] + r.answered['4xx'], 0);
    const failed = sent - ok;
    return {
      value: Math.round((failed / sent) * 100),
      how: `${failed} of the ${sent} requests load sent to lb-01 while it was down failed`,
    };
  }
  return undefined;
}

/** Requests `load` must have sent during a part's lone outage for its outcome to count as seen. */
const TESTED = 5;
/** A part whose lone outage failed at least this share of the requests took the site (or a page of it) away. */
const SPOF_SHARE = 50;

type Reports = Extract<SandboxEvent, { type: 'client.requests' }>[];

/** What visitors got while one part, and only that part, was down: the `load` reports that lie inside the outage. */
interface LoneOutage {
  part: string;
  sent: number;
  failed: number;
}

/** What is left of [from, to] once the spans in `others` are taken out of it. */
function without(span: { from: number; to: number }, others: { from: number; to: number }[]) {
  let left = [span];
  for (const o of others)
    left = left.flatMap((s) =>
      o.to <= s.from || o.from >= s.to
        ? [s]
        : [
            { from: s.from, to: o.from },
            { from: o.to, to: s.to },
          ].filter((p) => p.to > p.from),
    );
  return left;
}

/**
 * Each part's first outage that `load` tested while that part alone was down: the requests `load` reported in the
 * stretches of the outage when no other part was down, 5 or more of them. db-01 counts only with requests for a page
 * that needs data (the cart).
 */
export function loneOutages({ events, now }: Pick<World, 'events' | 'now'>): LoneOutage[] {
  const reports: Reports = events.filter((e) => e.type === 'client.requests');
  const outages = PARTS.map((part) => ({
    part: part.name,
    spans: downtimes(events, part.name).map((d) => ({ from: d.from, to: d.to ?? now })),
  }));
  const found: LoneOutage[] = [];
  for (const { part, spans } of outages) {
    const others = outages.filter((o) => o.part !== part).flatMap((o) => o.spans);
    const page = part === db1.name ? `//${lb.address}/kv` : `//${lb.address}`;
    for (const span of spans) {
      const alone = without(span, others);
      // A report covers about a second (more on a busy computer): it counts for the stretch that holds its middle.
      const inside = reports.filter(
        (r) =>
          r.url.includes(page) &&
          alone.some((a) => r.time - r.interval_ms / 2 >= a.from && r.time - r.interval_ms / 2 <= a.to),
      );
      const sent = inside.reduce((n, r) => n + r.sent, 0);
      if (sent < TESTED) continue;
      // Failed as load counts it: a 5xx, or no answer at all (an answer may come in the span after its request's).
      const failed = inside.reduce((n, r) => n + r.answered['5xx'] + r.refused + r.timed_out + r.reset + r.other, 0);
      found.push({ part, sent, failed: Math.min(failed, sent) });
      break;
    }
  }
  return found;
}

const share = (o: LoneOutage) => Math.round((o.failed / o.sent) * 100);
const describeOutage = (o: LoneOutage) => `${o.part} down: ${o.failed} of ${o.sent} failed`;

/** The parts, in the prediction's words ("lb-01 and db-01"), whose lone outage failed most requests. */
function spofsFound(tested: LoneOutage[]): string {
  const spofs = PARTS.map((p) => p.name).filter((name) =>
    tested.some((o) => o.part === name && share(o) >= SPOF_SHARE),
  );
  if (!spofs.length) return 'none of them';
  return spofs.length === 1 ? `${spofs[0]} only` : `${spofs.slice(0, -1).join(', ')} and ${spofs.at(-1)}`;
}

export default defineScenario({
  name: 'spof',
  title: 'Find the single points of failure',
  summary:
    'One balancer, two web servers, one database: the home page needs no data, the cart (/kv?key=cart) reads it from db-01. Break one part at a time, with traffic flowing, and watch what visitors get.',
  nodes: [db1, web1, web2, lb],
  files: {
    'store.conf': storeConf(),
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
      id: 'web-is-redundant',
      title: 'Kill one web server and see the site keep answering: a web server is not a SPOF.',
      hints: [
        '`infra kill web-01` (or web-02), then send requests to the balancer at 10.0.0.2.',
        'Run `infra kill web-01`, then `curl http://10.0.0.2/` three times.',
      ],
      solution: ['infra kill web-01', 'curl http://10.0.0.2/', 'curl http://10.0.0.2/', 'curl http://10.0.0.2/'],
      check({ events }) {
        const best = Math.max(
          servedWhileDown(events, web1.name, web2.name, lb.address),
          servedWhileDown(events, web2.name, web1.name, lb.address),
        );
        const anyDown = exits(events, web1.name).length + exits(events, web2.name).length > 0;
        return {
          met: best >= 3,
          expected: 'while one web server is down, 3 requests through lb-01 answered by the other',
          observed: anyDown
            ? `while a web server was down, the other answered ${plural(best, 'request')}`
            : 'no web server has gone down yet',
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
      solution: ['infra kill lb-01', 'curl http://10.0.0.2/'],
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
    {
      id: 'every-spof',
      title: 'Find every single point of failure of this stack.',
      challenge: true,
      hints: [
        'The method: traffic on, then break one part at a time, watch what visitors get, repair, next part. The check counts a part as tested when it was down alone while `load` sent 5 or more requests to the site.',
        'Not every page needs every part. The home page never touches the database; the cart does: http://10.0.0.2/kv?key=cart (it answers 404 "no value for cart" while the cart is empty: put something in it first, `db set cart "2 books"`).',
        'Keep a load on the cart running for the whole test, e.g. `load http://10.0.0.2/kv?key=cart -r 10 -d 2m &` (two minutes: time to type the rest), and break each of lb-01, web-01, web-02 and db-01 in turn for 3 s with `infra kill NAME` and `infra start NAME`, giving a web server a few seconds to pass its health checks again before the next.',
      ],
      // Each part down for 3 s, one after another, under one load on the cart; a web server is back UP (rise 2) 2 s after
      // its start, and each part has 4 s to come back before the next goes.
      solution: [
        'db set cart "2 books"',
        // Each --in counts from its own line, so the kills land later by the time the lines after the load take to
        // type: a second each on a loaded machine. The load runs 35 s past db-01's scheduled return to cover that.
        'load http://10.0.0.2/kv?key=cart -r 10 -d 60s &',
        'infra kill web-01',
        'infra start web-01 --in 3s',
        'infra kill web-02 --in 8s',
        'infra start web-02 --in 11s',
        'infra kill lb-01 --in 15s',
        'infra start lb-01 --in 18s',
        'infra kill db-01 --in 22s',
        'infra start db-01 --in 25s',
      ],
      check(world) {
        const tested = loneOutages(world);
        const untested = PARTS.map((p) => p.name).filter((name) => !tested.some((o) => o.part === name));
        return {
          met: untested.length === 0,
          expected: `each of ${PARTS.map((p) => p.name).join(', ')} down alone while load sent ${TESTED}+ requests (to the cart for db-01)`,
          observed: tested.length
            ? `${tested.map(describeOutage).join('; ')}${untested.length ? `; not tested yet: ${untested.join(', ')}` : ''}`
            : 'no part has been down alone under load yet',
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
    {
      id: 'spof-parts',
      question:
        'Which parts of this stack are single points of failure: parts whose loss alone takes the site, or one of its pages, away?',
      kind: {
        type: 'choice',
        choices: ['none of them', 'lb-01 only', 'lb-01 and db-01', 'lb-01, web-01, web-02 and db-01'],
      },
      goal: 'every-spof',
      measure(world) {
        const tested = loneOutages(world);
        if (tested.length < PARTS.length) return undefined;
        return { value: spofsFound(tested), how: tested.map(describeOutage).join('; ') };
      },
    },
  ],
});
