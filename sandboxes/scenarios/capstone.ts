// Lesson 11, the capstone: the edge of the stack with its fixes in place (two keepalived balancers sharing
// 10.0.0.10, health checks with redispatch, a monitor), and the proof a learner owes: kill any one node under
// traffic and no request fails once the takeover is done; close every door but the front one; get alerted.
// (The replicated store has its own lessons and scenarios: failover, split-brain.)
import { balancerRequests, exits, plural } from './observe';
import { defineScenario } from './scenario';
import { webServer } from './topology';
import { alerts, firewallView, keepalivedBalancer, keepalivedConf, prometheus, vrrpStates } from './edge';
import { ALERTS_YML, haproxyCfgWithExporter } from './monitoring-files';

const [lb1, lb2] = [keepalivedBalancer(1), keepalivedBalancer(2)];
const [web1, web2] = [webServer(1), webServer(2)];
const VIP = '10.0.0.10';
/** How long after a web server's death the check looks at what clients got (detection takes fall × inter = 3 s). */
const AFTERMATH_MS = 8000;

const PROMETHEUS_YML = `# prometheus.yml on mon-01
global:
  scrape_interval: 2s
  evaluation_interval: 2s

rule_files:
  - alerts.yml

scrape_configs:
  - job_name: haproxy
    static_configs:
      - targets: ['10.0.0.2:8404', '10.0.0.3:8404']
  - job_name: web
    static_configs:
      - targets: ['10.0.0.11:80', '10.0.0.12:80']
`;

export default defineScenario({
  name: 'capstone',
  title: 'No single point of failure left',
  summary: `Two balancers share ${VIP} (keepalived), each checks both web servers with redispatch, and mon-01 scrapes everything. Prove that no single node can take the site down.`,
  nodes: [web1, web2, lb1, lb2, prometheus()],
  files: {
    'haproxy.cfg': haproxyCfgWithExporter({
      balance: 'roundrobin',
      options: ['retries 3', 'option redispatch'],
      servers: [web1, web2].map((node) => ({ node, params: 'check inter 1s fall 3 rise 2' })),
    }),
    'keepalived-lb-01.conf': keepalivedConf('lb-01', [{ name: 'VI_1', vrid: 51, vip: VIP, state: 'MASTER', priority: 101 }]),
    'keepalived-lb-02.conf': keepalivedConf('lb-02', [{ name: 'VI_1', vrid: 51, vip: VIP, state: 'BACKUP', priority: 100 }]),
    'prometheus.yml': PROMETHEUS_YML,
    'alerts.yml': ALERTS_YML,
  },
  faults: [],
  goals: [
    {
      id: 'balancer-loss',
      title: `Kill the MASTER balancer under traffic: once lb-02 holds ${VIP}, no request fails.`,
      hints: [
        'Requests sent during the takeover window (up to 3.6 s) get no answer; after it, every request must succeed.',
        `Schedule the kill, then run traffic: \`infra kill lb-01 --in 3s\`, then \`load http://${VIP}/ -r 10 -d 12s\`.`,
      ],
      solution: ['infra kill lb-01 --in 3s', `load http://${VIP}/ -r 10 -d 12s`],
      check({ events }) {
        for (const [dead, survivor] of [[lb1, lb2], [lb2, lb1]] as const) {
          const death = exits(events, dead.name).at(-1);
          const takeover = death && vrrpStates(events, survivor.name).find((s) => s.state === 'MASTER' && s.seq > death.seq);
          if (!takeover) continue;
          const after = balancerRequests(events, survivor.name).filter((r) => r.seq > takeover.seq);
          const failed = after.filter((r) => r.status >= 500).length;
          return {
            met: after.length >= 10 && failed === 0,
            expected: `10 or more requests answered by ${survivor.name} after it took ${VIP}, none failed`,
            observed: `${survivor.name} answered ${plural(after.length, 'request')} since the takeover, ${failed} failed`,
          };
        }
        return { met: false, expected: `a balancer killed, the other MASTER for ${VIP}`, observed: 'no balancer has been replaced yet' };
      },
    },
    {
      id: 'web-loss',
      title: 'Kill a web server under traffic: no request fails at all.',
      hints: ['`option redispatch` sends a retry to the other server; the health checks take the dead one out after 3 s.', `\`infra kill web-01 --in 2s\`, then \`load http://${VIP}/ -r 10 -d 12s\`.`],
      solution: ['infra kill web-01 --in 2s', `load http://${VIP}/ -r 10 -d 12s`],
      check({ events, now }) {
        const death = [web1, web2].flatMap((web) => exits(events, web.name)).at(-1);
        if (!death) return { met: false, expected: 'a web server killed under traffic, no failed request', observed: 'no web server has died yet' };
        const window = (r: { time: number }) => r.time >= death.time && r.time <= death.time + AFTERMATH_MS;
        const after = [lb1, lb2].flatMap((lb) => balancerRequests(events, lb.name)).filter(window);
        const failed = after.filter((r) => r.status >= 500).length;
        return {
          met: now >= death.time + AFTERMATH_MS && after.length >= 10 && failed === 0,
          expected: `10 or more requests in the ${AFTERMATH_MS / 1000} s after the death, none failed`,
          observed: `${plural(after.length, 'request')} in the ${AFTERMATH_MS / 1000} s after ${death.name} died, ${failed} failed`,
        };
      },
    },
    {
      id: 'front-door-only',
      title: 'Firewall every node: from the internet only port 80 of the two balancers answers.',
      hints: ['Default deny on every node; the balancers allow 80 (and VRRP from each other); the web servers 80 from the balancers only; mon-01 nothing.', 'See lesson 9 for the ufw commands; `scan` checks the result.'],
      solution: [
        'ufw lb-01 default deny incoming', 'ufw lb-01 allow 80/tcp', 'ufw lb-01 allow from 10.0.0.3 to any proto vrrp', 'ufw lb-01 allow from 10.0.0.31 to any port 8404 proto tcp', 'ufw lb-01 enable',
        'ufw lb-02 default deny incoming', 'ufw lb-02 allow 80/tcp', 'ufw lb-02 allow from 10.0.0.2 to any proto vrrp', 'ufw lb-02 allow from 10.0.0.31 to any port 8404 proto tcp', 'ufw lb-02 enable',
        'ufw web-01 default deny incoming', 'ufw web-01 allow from 10.0.0.0/30 to any port 80 proto tcp', 'ufw web-01 allow from 10.0.0.31 to any port 80 proto tcp', 'ufw web-01 enable',
        'ufw web-02 default deny incoming', 'ufw web-02 allow from 10.0.0.0/30 to any port 80 proto tcp', 'ufw web-02 allow from 10.0.0.31 to any port 80 proto tcp', 'ufw web-02 enable',
        'ufw mon-01 default deny incoming', 'ufw mon-01 enable',
      ],
      check(world) {
        const { open, exposed } = firewallView(world);
        const wanted = ['lb-01:80', 'lb-02:80'];
        const vrrp = open(lb1.address, lb2.address, 112) && open(lb2.address, lb1.address, 112);
        const backends = [web1, web2].every((web) => open(lb1.address, web.address, 80) && open(lb2.address, web.address, 80));
        return {
          met: exposed.length === 2 && wanted.every((w) => exposed.includes(w)) && vrrp && backends,
          expected: 'the internet reaches lb-01:80 and lb-02:80 only; the balancers still exchange VRRP adverts and reach both web servers',
          observed: [`open to the internet: ${exposed.join(', ') || 'nothing'}`, vrrp ? '' : 'VRRP between the balancers is blocked (both would become MASTER)', backends ? '' : 'a balancer cannot reach a web server'].filter(Boolean).join('; '),
        };
      },
    },
    {
      id: 'alerted',
      title: 'Get alerted: make InstanceDown fire for a node you killed.',
      hints: ['mon-01 evaluates `up == 0` for 6 s.', 'Kill a node and wait about 8 s; `metrics alerts` shows it.'],
      solution: ['infra kill web-02', 'metrics alerts'],
      check({ events }) {
        const firing = alerts(events, 'InstanceDown', 'firing').at(-1);
        return { met: !!firing, expected: 'an InstanceDown alert firing', observed: firing ? `InstanceDown fired for ${firing.labels.instance}` : 'no alert has fired yet' };
      },
    },
  ],
});
