// The capstone lesson: every fix of the course in one stack. Two keepalived balancers share 10.0.0.10 and
// terminate TLS; both check both web servers, with redispatch; the web servers keep their data in a primary and a
// standby that mon-01 fails over (with fencing); prom-01 scrapes everything and alerts. The proof a learner owes:
// kill any one node under traffic and no request fails once the takeover is done; close every door but the front
// ones (a challenge: the learner finds what is open); get alerted. Two predictions ask, before the balancer's and
// the primary's deaths, what the learner's own run then shows: the requests lost to the takeover, the seconds to a
// promotion.
import type { SandboxEvent } from '../contracts/events/index';
import { CA_PEM, SITE_PEM } from './build/certificates';
import { dbNode, failoverConf, failoverMonitor, storeConf, storeEvents } from './build/database';
import { alerts, prometheus } from './build/prometheus';
import { firewallView } from './build/firewall';
import { keepalivedBalancer, keepalivedConf, vrrpStates } from './build/keepalived';
import { ALERTS_YML, haproxyCfgWithExporter, prometheusYml } from './build/monitoring-files';
import { balancerRequests, caughtDying, exits, failures, plural } from './build/observe';
import { defineScenario, type Measured, type World } from '../contracts/scenario';
import { HEALTH_CHECK, webServer } from './build/topology';

const VIP = '10.0.0.10';
// The balancers also serve 443 (TLS) here; the builder's ports are those of the HTTP-only lessons.
const [lb1, lb2] = [1, 2].map((n) => ({ ...keepalivedBalancer(n as 1 | 2), ports: [80, 443, 112, 8404] }));
const [db1, db2] = [dbNode(1), dbNode(2)];
const dbs = [db1, db2];
// The failover monitor (repmgrd's role) is a node of its own: prom-01 is Prometheus.
const failover = failoverMonitor();
const mon = prometheus();
/**
 * Web server n, writing to the primary and reading from the standby; a client reads its own writes (as in the lesson on primary vs replica). Its
 * pool is sized for the database's bad moments, not for CPU: a request holds its worker while a standby catches up
 * (up to 3 s) or a dead node times out, so 10 req/s can keep 30 workers busy during a failover. This lesson tests
 * redundancy, not capacity (sandboxes/web/README.md).
 */
const storeBacked = (n: number) => {
  const web = webServer(n);
  return {
    ...web,
    args: [
      ...web.args,
      '--workers',
      '30',
      '--db',
      dbs.map((db) => `${db.address}:5432`).join(','),
      '--read-your-writes',
      'wait',
    ],
  };
};
const [web1, web2] = [storeBacked(1), storeBacked(2)];
/** How long after a web server's death the check looks at what clients got (detection takes fall × inter = 3 s). */
const AFTERMATH_MS = 8000;
/** Enough answered requests after a takeover to call the traffic steady (1 s of `load -r 10`). */
const STEADY = 10;
const nameOf = (address: string | null) =>
  dbs.find((n) => `${n.address}:5432` === address)?.name ?? address ?? 'nobody';

/** The site's name: its certificate (site.pem) is for it, and the sandbox has no DNS, so curl and load --resolve it. */
const SITE = 'www.example.com';
/** `load` and `curl` options to reach the site over HTTPS at the virtual address. */
const HTTPS = `--resolve ${SITE}:443:${VIP} https://${SITE}`;

/**
 * TLS at the edge: the frontend also listens on 443 with the site's certificate and key (site.pem), answers plain
 * HTTP with a 301 to the same URL over HTTPS, and tells browsers to use only HTTPS for a year (HSTS; sent over
 * HTTPS only, as browsers ignore it over plain HTTP).
 */
const HAPROXY_CFG = haproxyCfgWithExporter({
  balance: 'roundrobin',
  options: ['retries 3', 'option redispatch'],
  servers: [web1, web2].map((node) => ({ node, params: HEALTH_CHECK })),
}).replace(
  '    bind :80\n',
  [
    '    bind :80',
    '    bind :443 ssl crt site.pem',
    '    http-request redirect scheme https code 301 unless { ssl_fc }',
    '    http-after-response set-header Strict-Transport-Security "max-age=31536000" if { ssl_fc }',
    '',
  ].join('\n'),
);

const PROMETHEUS_YML = prometheusYml({
  haproxy: [lb1, lb2].map((lb) => `${lb.address}:8404`),
  web: [web1, web2].map((web) => `${web.address}:80`),
  postgres: dbs.map((db) => `${db.address}:9187`),
});

// The monitoring lesson's rules, plus the standby falling behind (postgres_exporter's name, as the monitoring lesson shows it).
const CAPSTONE_ALERTS_YML = `${ALERTS_YML}      - alert: ReplicationLag
        expr: pg_replication_lag_seconds > 5
        for: 10s
        labels:
          severity: warning
        annotations:
          summary: "{{ $labels.instance }} replays {{ $value }} s behind the primary"
`;

/** The requests that reached a web server, or failed trying: not the 301s that send plain HTTP to HTTPS. */
const proxied = (r: { server: string | null; status: number }) => r.server !== null || r.status >= 500;

/** ufw commands that leave a node open only to the sources that need it (`rules`: what follows `ufw NODE`). */
const firewall = (node: string, rules: string[]) => [
  `ufw ${node} default deny incoming`,
  ...rules.map((r) => `ufw ${node} ${r}`),
  `ufw ${node} enable`,
];

type ClientRequests = Extract<SandboxEvent, { type: 'client.requests' }>;

/** The balancer that died as MASTER and the moment the other one took the virtual address over, if it has. */
function balancerTakeover(events: World['events']) {
  for (const [dead, survivor] of [
    [lb1, lb2],
    [lb2, lb1],
  ] as const) {
    const death = exits(events, dead.name).at(-1);
    const takeover = death && vrrpStates(events, survivor.name).find((s) => s.state === 'MASTER' && s.seq > death.seq);
    if (takeover) return { dead, survivor, death, takeover };
  }
  return undefined;
}

/**
 * The requests the clients saw fail because of a balancer takeover, from their own reports (the only place a refused
 * connection is counted): every failure from the MASTER's death (its reports from 2 s before, as a report spans about
 * a second and the death is recorded once the supervisor sees it) until the first report after the takeover without a
 * failure. Known once that report has come.
 */
export function failuresDuringTakeover({ events }: Pick<World, 'events'>): Measured | undefined {
  const found = balancerTakeover(events);
  if (!found) return undefined;
  const { dead, survivor, death, takeover } = found;
  const reports = events.filter(
    (e): e is ClientRequests => e.type === 'client.requests' && e.time >= death.time - 2000,
  );
  const failures = (r: ClientRequests) => r.answered['5xx'] + r.refused + r.timed_out + r.reset + r.other;
  const whole = reports.findIndex((r) => r.time > takeover.time && r.sent > 0 && failures(r) === 0);
  if (whole < 0) return undefined;
  const during = reports.slice(0, whole);
  const sent = during.reduce((n, r) => n + r.sent, 0);
  const failed = during.reduce((n, r) => n + failures(r), 0);
  const gap = ((takeover.time - death.time) / 1000).toFixed(1);
  return {
    value: failed,
    how: `${failed} of the ${sent} requests sent from ${dead.name}'s death until a second without a failure failed; ${survivor.name} became MASTER ${gap} s after the death`,
  };
}

/** From the primary's death to mon-01's promotion of a standby, in seconds (one decimal). */
export function secondsToPromotion({ events }: Pick<World, 'events'>): Measured | undefined {
  const death = exits(events, db1.name).at(-1);
  const promotion = death && storeEvents(events, 'store.failover').find((e) => e.to !== null && e.seq > death.seq);
  if (!promotion) return undefined;
  return {
    value: Math.round((promotion.time - death.time) / 100) / 10,
    how: `from db-01's death to mon-01's promotion of ${nameOf(promotion.to)}`,
  };
}

export default defineScenario({
  name: 'capstone',
  title: 'No single point of failure left',
  summary: `Two balancers share ${VIP} (keepalived) and terminate TLS; both web servers keep their data in db-01 (primary) and db-02 (standby), which mon-01 fails over; prom-01 scrapes everything and alerts. Prove that no single node can take the site down.`,
  nodes: [db1, db2, failover, web1, web2, lb1, lb2, mon],
  files: {
    'haproxy.cfg': HAPROXY_CFG,
    'site.pem': SITE_PEM,
    'ca.pem': CA_PEM,
    'keepalived-lb-01.conf': keepalivedConf('lb-01', [
      { name: 'VI_1', vrid: 51, vip: VIP, state: 'MASTER', priority: 101 },
    ]),
    'keepalived-lb-02.conf': keepalivedConf('lb-02', [
      { name: 'VI_1', vrid: 51, vip: VIP, state: 'BACKUP', priority: 100 },
    ]),
    'failover.conf': failoverConf('on', dbs),
    'store.conf': storeConf(),
    'prometheus.yml': PROMETHEUS_YML,
    'alerts.yml': CAPSTONE_ALERTS_YML,
  },
  faults: [],
  goals: [
    {
      id: 'balancer-loss',
      title: `Kill the MASTER balancer under traffic: once lb-02 holds ${VIP}, no request fails.`,
      hints: [
        'Requests sent during the takeover window (up to 3.6 s) get no answer; after it, every request must succeed.',
        `Schedule the kill, then run traffic over HTTPS: \`infra kill lb-01 --in 3s\`, then \`load -r 10 -d 12s ${HTTPS}/\`.`,
      ],
      solution: ['infra kill lb-01 --in 3s', `load -r 10 -d 12s ${HTTPS}/`],
      check({ events }) {
        const found = balancerTakeover(events);
        if (!found)
          return {
            met: false,
            expected: `a balancer killed, the other MASTER for ${VIP}`,
            observed: 'no balancer has been replaced yet',
          };
        const { survivor, takeover } = found;
        const after = balancerRequests(events, survivor.name).filter((r) => r.seq > takeover.seq && proxied(r));
        const failed = after.filter((r) => r.status >= 500).length;
        return {
          met: after.length >= STEADY && failed === 0,
          expected: `${STEADY} or more requests answered by ${survivor.name} after it took ${VIP}, none failed`,
          observed: `${survivor.name} answered ${plural(after.length, 'request')} since the takeover, ${failed} failed`,
        };
      },
    },
    {
      id: 'web-loss',
      title:
        'Kill a web server under traffic: no request fails but those it was answering as it died, not even before the balancers notice.',
      hints: [
        '`option redispatch` sends a retry to the other server; the health checks take the dead one out after 3 s.',
        `\`infra kill web-01 --in 2s\`, then \`load -r 10 -d 12s ${HTTPS}/\`.`,
      ],
      solution: ['infra kill web-01 --in 2s', `load -r 10 -d 12s ${HTTPS}/`],
      check({ events, now }) {
        const death = [web1, web2].flatMap((web) => exits(events, web.name)).at(-1);
        if (!death)
          return {
            met: false,
            expected: 'a web server killed under traffic, and no request failed but those it was answering as it died',
            observed: 'no web server has died yet',
          };
        const window = (r: { time: number; server: string | null; status: number }) =>
          r.time >= death.time && r.time <= death.time + AFTERMATH_MS && proxied(r);
        const after = [lb1, lb2].flatMap((lb) => balancerRequests(events, lb.name)).filter(window);
        // A request the server had already been sent when it died gets 502 SH--: no retry setting here can save it.
        const failed = after.filter((r) => r.status >= 500);
        return {
          met: now >= death.time + AFTERMATH_MS && after.length >= STEADY && failed.every(caughtDying(death.name)),
          expected: `${STEADY} or more requests in the ${AFTERMATH_MS / 1000} s after the death, none failed but those the server was answering as it died`,
          observed: `${plural(after.length, 'request')} in the ${AFTERMATH_MS / 1000} s after ${death.name} died: ${failures(death.name, failed)}`,
        };
      },
    },
    {
      id: 'database-loss',
      title:
        'Kill the primary db-01 under traffic: after mon-01 promotes db-02, no request fails and writes go to db-02.',
      hints: [
        'Reads go to the standby, so they do not notice the primary dying; writes wait for mon-01 to promote db-02 (3 missed heartbeats, about 3 s).',
        `\`infra kill db-01 --in 2s\`, then \`load -r 10 -d 10s ${HTTPS}/kv?key=cart\`, then write: \`curl -d two-books ${HTTPS}/kv?key=cart\`.`,
      ],
      solution: [
        `curl -d one-book ${HTTPS}/kv?key=cart`,
        'infra kill db-01 --in 2s',
        `load -r 10 -d 10s ${HTTPS}/kv?key=cart`,
        `curl -d two-books ${HTTPS}/kv?key=cart`,
      ],
      check({ events }) {
        const promotion = storeEvents(events, 'store.failover').findLast((e) => e.to !== null);
        if (!promotion)
          return {
            met: false,
            expected: 'the primary killed under traffic, a standby promoted',
            observed: 'mon-01 has not promoted a standby yet',
          };
        const promoted = nameOf(promotion.to);
        const after = [lb1, lb2]
          .flatMap((lb) => balancerRequests(events, lb.name))
          .filter((r) => r.seq > promotion.seq && proxied(r));
        const failed = after.filter((r) => r.status >= 500).length;
        const write = storeEvents(events, 'store.write', promoted).find((e) => e.seq > promotion.seq);
        return {
          met: after.length >= STEADY && failed === 0 && !!write,
          expected: `${STEADY} or more requests answered after the promotion, none failed, and a write taken by the new primary`,
          observed: `mon-01 promoted ${promoted} on timeline ${promotion.timeline}; since then ${plural(after.length, 'request')} answered, ${failed} failed; ${write ? `${promoted} took a write` : `no write on ${promoted} yet`}`,
        };
      },
    },
    {
      id: 'front-door-only',
      challenge: true,
      title:
        'A port scan from the internet finds far more than the site answering. Leave only ports 80 and 443 of the two balancers open to it, without breaking anything inside.',
      hints: [
        'Look first: your terminal is the internet, so `scan` the nodes from it and note every open port. Then, for each node, list who really has to reach it: the topology and the diagram show every connection the stack makes.',
        'Default deny on every node, then allow only what each one needs, from the address that needs it: the balancers 80 and 443 from anyone, VRRP from each other, 8404 from prom-01 (10.0.0.31); the web servers 80 from the two balancers and prom-01; each database node 5432 from both web servers, the other database node and mon-01 (10.0.0.32), and 9187 from prom-01; the two monitors nothing. The panel names any link you break.',
        'Per node: `ufw NODE default deny incoming`, then one `ufw NODE allow from ADDRESS to any port PORT proto tcp` per source (for VRRP: `ufw lb-01 allow from 10.0.0.3 to any proto vrrp`), then `ufw NODE enable`. Check with `scan 10.0.0.2 10.0.0.11 10.0.0.21 10.0.0.31`.',
      ],
      // One rule per source address (least privilege): a range such as 10.0.0.8/29 would also let in the virtual
      // IP and everything up to 10.0.0.15. 10.0.0.2/31 is exactly lb-01 and lb-02.
      solution: [
        ...firewall('lb-01', [
          'allow 80/tcp',
          'allow 443/tcp',
          'allow from 10.0.0.3 to any proto vrrp',
          'allow from 10.0.0.31 to any port 8404 proto tcp',
        ]),
        ...firewall('lb-02', [
          'allow 80/tcp',
          'allow 443/tcp',
          'allow from 10.0.0.2 to any proto vrrp',
          'allow from 10.0.0.31 to any port 8404 proto tcp',
        ]),
        ...[web1, web2].flatMap((web) =>
          firewall(web.name, [
            'allow from 10.0.0.2/31 to any port 80 proto tcp',
            'allow from 10.0.0.31 to any port 80 proto tcp',
          ]),
        ),
        ...dbs.flatMap((db) =>
          firewall(db.name, [
            ...[web1, web2, ...dbs.filter((other) => other !== db), failover].map(
              (source) => `allow from ${source.address} to any port 5432 proto tcp`,
            ),
            'allow from 10.0.0.31 to any port 9187 proto tcp',
          ]),
        ),
        ...firewall('prom-01', []),
        ...firewall('mon-01', []),
      ],
      check(world) {
        const { open, exposed } = firewallView(world);
        const wanted = [lb1, lb2].flatMap((lb) => [`${lb.name}:80`, `${lb.name}:443`]);
        const links: [string, boolean][] = [
          ['VRRP between the balancers', open(lb1.address, lb2.address, 112) && open(lb2.address, lb1.address, 112)],
          [
            'the balancers to the web servers',
            [web1, web2].every((web) => [lb1, lb2].every((lb) => open(lb.address, web.address, 80))),
          ],
          [
            'the web servers to the database',
            dbs.every((db) => [web1, web2].every((web) => open(web.address, db.address, 5432))),
          ],
          [
            'replication between db-01 and db-02 (either way, after a failover)',
            open(db1.address, db2.address, 5432) && open(db2.address, db1.address, 5432),
          ],
          ['mon-01 to the database', dbs.every((db) => open(failover.address, db.address, 5432))],
          [
            'prom-01 to what it scrapes',
            [lb1, lb2].every((lb) => open(mon.address, lb.address, 8404)) &&
              [web1, web2].every((web) => open(mon.address, web.address, 80)) &&
              dbs.every((db) => open(mon.address, db.address, 9187)),
          ],
        ];
        const blocked = links.filter(([, ok]) => !ok).map(([what]) => what);
        return {
          met: exposed.length === wanted.length && wanted.every((w) => exposed.includes(w)) && blocked.length === 0,
          expected: `the internet reaches ${wanted.join(', ')} only; inside, every node still reaches what it needs`,
          observed: [
            `open to the internet: ${exposed.join(', ') || 'nothing'}`,
            ...blocked.map((what) => `blocked: ${what}`),
          ].join('; '),
        };
      },
    },
    {
      id: 'alerted',
      title: 'Get alerted: make InstanceDown fire for a node you killed.',
      hints: ['prom-01 evaluates `up == 0` for 6 s.', 'Kill a node and wait about 8 s; `metrics alerts` shows it.'],
      solution: ['infra kill web-02', 'metrics alerts'],
      check({ events }) {
        const firing = alerts(events, 'InstanceDown', 'firing').at(-1);
        return {
          met: !!firing,
          expected: 'an InstanceDown alert firing',
          observed: firing ? `InstanceDown fired for ${firing.labels.instance}` : 'no alert has fired yet',
        };
      },
    },
  ],
  predictions: [
    {
      id: 'failures-during-takeover',
      question: `Visitors send 10 requests a second over HTTPS when lb-01, the MASTER, dies. How many of them fail before lb-02 holds ${VIP} and answers?`,
      kind: { type: 'number', unit: 'requests' },
      goal: 'balancer-loss',
      measure: failuresDuringTakeover,
    },
    {
      id: 'seconds-to-promotion',
      question:
        'mon-01 sends db-01 a heartbeat every second (interval = 1000ms) and declares it down after 3 missed in a row (misses = 3). db-01 dies: how many seconds until mon-01 has promoted db-02?',
      kind: { type: 'number', unit: 'seconds' },
      goal: 'database-loss',
      measure: secondsToPromotion,
    },
  ],
});
