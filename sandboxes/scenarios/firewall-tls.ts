// The firewall lesson (the scenario keeps its old name, firewall-tls): no node has a firewall, so every port of
// every node answers the internet, the database's included. The learner closes the database without cutting off
// the web servers (a challenge), then every door but lb-01's port 80, and adds HAProxy's rate limit against a flood.
// TLS has its own lesson and scenario (tls.ts).
import { dbNode, storeConf } from './build/database';
import { firewallView } from './build/firewall';
import { balancerRequests, plural, runsOf } from './build/observe';
import { defineScenario, type World } from '../contracts/scenario';
import { balancer, CLIENT, haproxyCfg, HEALTH_CHECK, webServer } from './build/topology';

const lb = balancer();
const [web1, web2] = [webServer(1), webServer(2)];
const db1 = dbNode(1);
/** The front door: the site, on lb-01's port 80 (443 too, once a later lesson turns HTTPS on). */
const PUBLIC = ['lb-01:80', 'lb-01:443'];

/** db-01's firewall: the database for the web servers only. */
const DB_FIREWALL = [
  'ufw db-01 default deny incoming',
  'ufw db-01 allow from 10.0.0.11 to any port 5432 proto tcp',
  'ufw db-01 allow from 10.0.0.12 to any port 5432 proto tcp',
  'ufw db-01 enable',
];

/** Which web servers lb-01 can no longer reach on port 80 (the site is broken for them). */
const cutOff = (open: ReturnType<typeof firewallView>['open']) =>
  [web1, web2].filter((web) => !open(lb.address, web.address, 80)).map((web) => web.name);

/**
 * The rate limit as the learner's own flood met it: in the first configuration of lb-01 under which it answered
 * the learner's terminal with 429, how many of its requests accepted before the first refused one got 200. By the
 * time lb-01 accepted them (its log line's time minus Ta), not by the log's order: a refusal is logged at once, the
 * requests still in a web server's hands after it.
 */
export function servedBeforeLimit({ events }: Pick<World, 'events'>) {
  const accepted = (r: ReturnType<typeof balancerRequests>[number]) => r.time - Math.max(0, r.timings.Ta);
  for (const run of runsOf(events, lb.name)) {
    const mine = balancerRequests(run, lb.name).filter((r) => r.client.startsWith(`${CLIENT}:`));
    const refused = mine.filter((r) => r.status === 429);
    if (!refused.length) continue;
    const first = Math.min(...refused.map(accepted));
    const served = mine.filter((r) => r.status === 200 && accepted(r) <= first).length;
    const later = mine.filter((r) => accepted(r) >= first);
    return {
      value: served,
      how: `of your requests to lb-01 under the rate limit, ${served} got 200 before the first 429 (${later.length} from it on, ${later.filter((r) => r.status === 429).length} of them 429)`,
    };
  }
  return undefined;
}

export default defineScenario({
  name: 'firewall-tls',
  title: 'Close the doors',
  summary: `No node has a firewall: from the internet (${CLIENT}) every port of lb-01, the web servers and db-01 answers. Only lb-01's port 80, the site, needs to.`,
  nodes: [db1, web1, web2, lb],
  files: {
    'store.conf': storeConf(),
    'haproxy.cfg': haproxyCfg({
      balance: 'roundrobin',
      options: ['retries 3', 'option redispatch'],
      servers: [web1, web2].map((node) => ({ node, params: HEALTH_CHECK })),
    }),
  },
  faults: [],
  goals: [
    {
      id: 'db-closed',
      title: 'db-01 answers from the internet: close it without cutting off the web servers that use it.',
      challenge: true,
      hints: [
        'Scan the database node from your terminal (you are the internet) to see what answers; `ufw db-01 status` shows its firewall.',
        'A firewall with a default-deny policy drops everything it is not told to allow. Who needs db-01 at all, and on which port?',
        'On db-01: deny incoming by default, allow port 5432 from 10.0.0.11 and from 10.0.0.12 (the web servers), then enable the firewall.',
      ],
      solution: DB_FIREWALL,
      check(world) {
        const { open, exposed } = firewallView(world);
        const fromInternet = exposed.filter((p) => p.startsWith(`${db1.name}:`));
        const stranded = [web1, web2].filter((web) => !open(web.address, db1.address, 5432)).map((web) => web.name);
        const broken = cutOff(open);
        // Closed means db-01's ports are there and refuse the internet, not that there is no db-01 to ask about.
        const known = world.nodes.some((n) => n.name === db1.name);
        return {
          met: known && fromInternet.length === 0 && stranded.length === 0 && broken.length === 0,
          expected:
            'nothing of db-01 answers the internet; web-01 and web-02 still reach db-01:5432, and lb-01 the web servers',
          observed: [
            !known
              ? 'db-01 is not in the sandbox'
              : fromInternet.length
                ? `the internet reaches ${fromInternet.join(', ')}`
                : 'db-01 is closed to the internet',
            stranded.length ? `${stranded.join(' and ')} cannot reach db-01:5432` : '',
            broken.length ? `lb-01 cannot reach ${broken.join(' and ')}:80` : '',
          ]
            .filter(Boolean)
            .join('; '),
        };
      },
    },
    {
      id: 'front-door-only',
      title: "Only the front door: from the internet, nothing but lb-01's port 80 answers, and the site still works.",
      hints: [
        '`scan 10.0.0.2 10.0.0.11 10.0.0.12 10.0.0.21` shows what is open; every node needs its own firewall.',
        'On each node: `ufw NODE default deny incoming`, then allow only what it needs, then `ufw NODE enable`.',
        'lb-01 needs 80 from anywhere; the web servers need 80 from lb-01 (10.0.0.2) only; db-01 needs 5432 from the web servers only.',
      ],
      solution: [
        'ufw lb-01 default deny incoming',
        'ufw lb-01 allow 80/tcp',
        'ufw lb-01 enable',
        'ufw web-01 default deny incoming',
        'ufw web-01 allow from 10.0.0.2 to any port 80 proto tcp',
        'ufw web-01 enable',
        'ufw web-02 default deny incoming',
        'ufw web-02 allow from 10.0.0.2 to any port 80 proto tcp',
        'ufw web-02 enable',
        ...DB_FIREWALL,
      ],
      check(world) {
        const { open, exposed } = firewallView(world);
        const extra = exposed.filter((p) => !PUBLIC.includes(p));
        const broken = cutOff(open);
        return {
          met: extra.length === 0 && exposed.includes(PUBLIC[0]) && broken.length === 0,
          expected: `from the internet only ${PUBLIC[0]} answers; lb-01 still reaches web-01:80 and web-02:80`,
          observed: [
            `open to the internet: ${exposed.join(', ') || 'nothing (not even the site)'}`,
            broken.length ? `lb-01 cannot reach ${broken.join(' and ')}:80` : '',
          ]
            .filter(Boolean)
            .join('; '),
        };
      },
    },
    {
      id: 'rate-limited',
      title: 'Rate-limit clients at the balancer: a client above 20 requests per 10 s gets 429 Too Many Requests.',
      hints: [
        'HAProxy counts requests per client address in a stick table and denies above a threshold.',
        'In frontend fe_web: `stick-table type ip size 100k expire 30s store http_req_rate(10s)`, `http-request track-sc0 src`, `http-request deny deny_status 429 if { sc_http_req_rate(0) gt 20 }`.',
        'Add the three lines with `edit haproxy.cfg`, `reload`, then flood: `load http://10.0.0.2/ -r 10 -d 5s`.',
      ],
      solution: [
        'edit haproxy.cfg',
        '#   under "bind :80" in frontend fe_web add:',
        '#     stick-table type ip size 100k expire 30s store http_req_rate(10s)',
        '#     http-request track-sc0 src',
        '#     http-request deny deny_status 429 if { sc_http_req_rate(0) gt 20 }',
        'reload',
        'load http://10.0.0.2/ -r 10 -d 5s',
      ],
      check({ events }) {
        // Counted per configuration of lb-01 (since it last started or reloaded): the flood the learner sent after
        // adding the rule, as `load` counted it, not every request since the lab started.
        const runs = runsOf(events, lb.name).map((run) => {
          const requests = balancerRequests(run, lb.name);
          return {
            requests,
            served: requests.filter((r) => r.status === 200).length,
            limited: requests.filter((r) => r.status === 429).length,
          };
        });
        const now = runs.at(-1);
        return {
          met: runs.some((run) => run.limited > 0 && run.served > 0),
          expected: 'some requests answered 200, then a flood answered 429 by lb-01',
          observed: now?.requests.length
            ? `since lb-01 last (re)started: ${plural(now.served, 'request')} answered with 200 and ${now.limited} with 429`
            : 'no request through lb-01 since it last (re)started',
        };
      },
    },
  ],
  predictions: [
    {
      id: 'served-before-limit',
      question:
        'With the rate limit on (deny above 20 requests in 10 s), you send 10 requests a second for 5 seconds. How many of your 50 requests get 200?',
      kind: { type: 'number', unit: 'requests' },
      goal: 'rate-limited',
      measure: servedBeforeLimit,
    },
  ],
});
