// Lesson 9, no firewall (and no TLS): every port of every node answers the internet. The learner closes them with
// ufw-like rules until only the balancer's front door is open, adds HAProxy's rate limit against a flood, and turns
// on TLS at the balancer: HTTPS on :443, plain HTTP redirected to it with 301, HSTS on the HTTPS answers.
import { CA_PEM, SITE_PEM } from './certificates';
import { dbNode, storeConf } from './database';
import { firewallView } from './edge';
import { balancerRequests, plural, runsOf } from './observe';
import { defineScenario } from './scenario';
import { CLIENT, balancer, haproxyCfg, webServer } from './topology';

// Port 443 is lb-01's too: it answers once haproxy.cfg has `bind :443 ssl crt site.pem`.
const lb = { ...balancer(), ports: [80, 443, 8404] };
const [web1, web2] = [webServer(1), webServer(2)];
const db1 = dbNode(1);
// The front door: the site over HTTP, and over HTTPS once TLS is on.
const PUBLIC = ['lb-01:80', 'lb-01:443'];

export default defineScenario({
  name: 'firewall-tls',
  title: 'Close the doors',
  summary: `No node has a firewall: from the internet (${CLIENT}) every port of lb-01, the web servers and db-01 answers. Only lb-01's web ports (80, and 443 for HTTPS) need to. And the site speaks plain HTTP only.`,
  nodes: [db1, web1, web2, lb],
  files: {
    'store.conf': storeConf(),
    'haproxy.cfg': haproxyCfg({
      balance: 'roundrobin',
      options: ['retries 3', 'option redispatch'],
      servers: [web1, web2].map((node) => ({ node, params: 'check inter 1s fall 3 rise 2' })),
    }),
    // For TLS termination: `bind :443 ssl crt site.pem` in fe_web; curl trusts ca.pem, the sandbox's CA store
    // (curl --resolve www.example.com:443:10.0.0.2 https://www.example.com/).
    'site.pem': SITE_PEM,
    'ca.pem': CA_PEM,
  },
  faults: [],
  goals: [
    {
      id: 'front-door-only',
      title: "Firewall every node so that only lb-01's web ports (80, and 443 if TLS is on) answer the internet, and the site still works.",
      hints: [
        'Start with `scan 10.0.0.2 10.0.0.11 10.0.0.12 10.0.0.21` to see what is open.',
        'On each node: `ufw NODE default deny incoming`, then allow what it needs, then `ufw NODE enable`.',
        'lb-01 needs 80 (and 443 for HTTPS) from anywhere; the web servers need 80 from lb-01 (10.0.0.2) only; db-01 needs 5432 from the web servers only.',
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
        'ufw db-01 default deny incoming',
        'ufw db-01 allow from 10.0.0.11 to any port 5432 proto tcp',
        'ufw db-01 allow from 10.0.0.12 to any port 5432 proto tcp',
        'ufw db-01 enable',
        'scan 10.0.0.2 10.0.0.11 10.0.0.12 10.0.0.21',
      ],
      check(world) {
        const { open, exposed } = firewallView(world);
        const extra = exposed.filter((p) => !PUBLIC.includes(p));
        const broken = [web1, web2].filter((web) => !open(lb.address, web.address, 80)).map((web) => web.name);
        return {
          met: extra.length === 0 && exposed.includes(PUBLIC[0]) && broken.length === 0,
          expected: `from the internet only ${PUBLIC.join(' and ')} answer; lb-01 still reaches web-01:80 and web-02:80`,
          observed: [
            `open to the internet: ${exposed.join(', ') || 'nothing (not even the site)'}`,
            broken.length ? `lb-01 cannot reach ${broken.join(' and ')}:80` : '',
          ].filter(Boolean).join('; '),
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
          return { requests, served: requests.filter((r) => r.status === 200).length, limited: requests.filter((r) => r.status === 429).length };
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
    {
      id: 'https-only',
      title: 'Turn on HTTPS at lb-01: port 443 with the certificate site.pem, plain HTTP redirected to it with 301, and HSTS on every HTTPS answer.',
      hints: [
        'HAProxy terminates TLS on a second bind line of the frontend: `bind :443 ssl crt site.pem` (site.pem holds the certificate and its key).',
        'In frontend fe_web: `http-request redirect scheme https code 301 unless { ssl_fc }` sends plain-HTTP visitors to HTTPS; `http-response set-header Strict-Transport-Security "max-age=63072000"` tells browsers to come back over HTTPS only.',
        'Add the three lines under "bind :80" with `edit haproxy.cfg`, `reload`, then try both: `curl -i --resolve www.example.com:80:10.0.0.2 http://www.example.com/` and the same with https and port 443. If lb-01 has a firewall, `ufw lb-01 allow 443/tcp` first.',
      ],
      solution: [
        'edit haproxy.cfg',
        '#   under "bind :80" in frontend fe_web add:',
        '#     bind :443 ssl crt site.pem',
        '#     http-request redirect scheme https code 301 unless { ssl_fc }',
        '#     http-response set-header Strict-Transport-Security "max-age=63072000"',
        'reload',
        'curl -i --resolve www.example.com:80:10.0.0.2 http://www.example.com/',
        'curl -i --resolve www.example.com:443:10.0.0.2 https://www.example.com/',
      ],
      check({ events }) {
        const requests = balancerRequests(events, lb.name);
        // Plain HTTP answered by the balancer itself with a permanent redirect to the same address over https.
        const redirected = requests.filter((r) => !r.tls && r.status === 301 && r.setHeaders?.location?.startsWith('https://'));
        // HTTPS answered by a web server, with the HSTS header the balancer added.
        const secure = requests.filter((r) => r.tls && r.server !== null && r.status < 400);
        const withHsts = secure.filter((r) => /max-age=[1-9]/.test(r.setHeaders?.['strict-transport-security'] ?? ''));
        return {
          met: redirected.length > 0 && withHsts.length > 0,
          expected: 'lb-01 answers plain HTTP with 301 to https://..., and HTTPS requests with the site and a Strict-Transport-Security header',
          observed: [
            `${plural(redirected.length, 'plain-HTTP request')} redirected to https with 301`,
            `${plural(secure.length, 'HTTPS request')} served, ${withHsts.length} with Strict-Transport-Security`,
          ].join('; '),
        };
      },
    },
  ],
});
