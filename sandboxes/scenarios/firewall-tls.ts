// Lesson 9, no firewall (and no TLS): every port of every node answers the internet. The learner closes them with
// ufw-like rules until only the balancer's front door is open, and adds HAProxy's rate limit against a flood.
import { CA_PEM, SITE_PEM } from './certificates';
import { dbNode } from './database';
import { firewallView } from './edge';
import { balancerRequests, plural } from './observe';
import { defineScenario } from './scenario';
import { CLIENT, balancer, haproxyCfg, webServer } from './topology';

const lb = balancer();
const [web1, web2] = [webServer(1), webServer(2)];
const db1 = dbNode(1);
const PUBLIC = ['lb-01:80'];

export default defineScenario({
  name: 'firewall-tls',
  title: 'Close the doors',
  summary: `No node has a firewall: from the internet (${CLIENT}) every port of lb-01, the web servers and db-01 answers. Only lb-01's port 80 needs to.`,
  nodes: [db1, web1, web2, lb],
  files: {
    'haproxy.cfg': haproxyCfg({
      balance: 'roundrobin',
      options: ['retries 3', 'option redispatch'],
      servers: [web1, web2].map((node) => ({ node, params: 'check inter 1s fall 3 rise 2' })),
    }),
    // For TLS termination: `bind :443 ssl crt site.pem` in fe_web; curl trusts ca.pem
    // (curl --resolve www.example.com:443:10.0.0.2 https://www.example.com/).
    'site.pem': SITE_PEM,
    'ca.pem': CA_PEM,
  },
  faults: [],
  goals: [
    {
      id: 'front-door-only',
      title: "Firewall every node so that only lb-01's port 80 answers the internet, and the site still works.",
      hints: [
        'Start with `scan 10.0.0.2 10.0.0.11 10.0.0.12 10.0.0.21` to see what is open.',
        'On each node: `ufw NODE default deny incoming`, then allow what it needs, then `ufw NODE enable`.',
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
          expected: `from the internet only ${PUBLIC.join(', ')} answers; lb-01 still reaches web-01:80 and web-02:80`,
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
        const requests = balancerRequests(events, lb.name);
        const limited = requests.filter((r) => r.status === 429).length;
        const served = requests.filter((r) => r.status === 200).length;
        return {
          met: limited > 0 && served > 0,
          expected: 'some requests answered 200, then a flood answered 429 by lb-01',
          observed: `lb-01 answered ${plural(served, 'request')} with 200 and ${plural(limited, 'request')} with 429`,
        };
      },
    },
  ],
});
