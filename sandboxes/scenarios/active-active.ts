// Active/active: two VRRP instances mirrored across the two balancers, each MASTER for one virtual IP;
// clients spread over both addresses through DNS round robin (www.example.com has both A records in dns.zone, and
// the shell's dig, curl and load ask the sandbox's name server for it). When one balancer dies, the other carries
// both addresses, so the name keeps working without any change to DNS.
import { balancerRequests, exits, plural, seconds } from './build/observe';
import { defineScenario } from '../contracts/scenario';
import { haproxyCfg, HEALTH_CHECK, webServer } from './build/topology';
import { keepalivedBalancer, keepalivedConf, vrrpStates } from './build/keepalived';

const [lb1, lb2] = [keepalivedBalancer(1), keepalivedBalancer(2)];
const [web1, web2] = [webServer(1), webServer(2)];
const [VIP1, VIP2] = ['10.0.0.10', '10.0.0.20'];
const NAME = 'www.example.com';

export default defineScenario({
  name: 'active-active',
  title: 'Two active balancers, two virtual IPs',
  summary: `lb-01 is MASTER for ${VIP1} (VI_1) and BACKUP for ${VIP2} (VI_2); lb-02 the other way round. DNS gives ${NAME} both addresses, in turn (dig ${NAME}).`,
  nodes: [web1, web2, lb1, lb2],
  files: {
    'haproxy.cfg': haproxyCfg({
      balance: 'roundrobin',
      options: ['retries 3', 'option redispatch'],
      servers: [
        { node: web1, params: HEALTH_CHECK },
        { node: web2, params: HEALTH_CHECK },
      ],
    }),
    // The zone the sandbox's name server answers from: DNS round robin is two A records for one name.
    'dns.zone': [
      "; dns.zone: the example.com zone of the sandbox's name server (10.0.0.53), in BIND's format",
      '$TTL 60',
      `${NAME}.   IN  A   ${VIP1}`,
      `${NAME}.   IN  A   ${VIP2}`,
      '',
    ].join('\n'),
    'keepalived-lb-01.conf': keepalivedConf('lb-01', [
      { name: 'VI_1', vrid: 51, vip: VIP1, state: 'MASTER', priority: 101 },
      { name: 'VI_2', vrid: 52, vip: VIP2, state: 'BACKUP', priority: 100 },
    ]),
    'keepalived-lb-02.conf': keepalivedConf('lb-02', [
      { name: 'VI_1', vrid: 51, vip: VIP1, state: 'BACKUP', priority: 100 },
      { name: 'VI_2', vrid: 52, vip: VIP2, state: 'MASTER', priority: 101 },
    ]),
  },
  faults: [],
  goals: [
    {
      id: 'both-active',
      title: `Send traffic to ${NAME}, which DNS resolves to both ${VIP1} and ${VIP2}, and see both balancers carry part of it.`,
      hints: [
        `\`dig ${NAME}\` twice: both addresses in every answer, their order turning. Clients mostly use the first one.`,
        'Each address is held by a different balancer once both are MASTER of their instance (about 4 s after start).',
        `Run \`load http://${NAME}/ -r 10 -d 3s\`: load asks DNS for every request, as many separate clients would.`,
      ],
      solution: [`load http://${NAME}/ -r 10 -d 3s`],
      check({ events }) {
        const [n1, n2] = [balancerRequests(events, lb1.name).length, balancerRequests(events, lb2.name).length];
        return {
          met: n1 >= 3 && n2 >= 3,
          expected: 'at least 3 requests through each balancer',
          observed:
            n1 + n2
              ? `lb-01 answered ${plural(n1, 'request')}, lb-02 ${n2}`
              : 'neither balancer has answered a request yet',
        };
      },
    },
    {
      id: 'survivor-serves-both',
      title: 'Kill one balancer: its address moves to the other, which then answers on both.',
      hints: [
        'Kill either balancer with `infra kill`. The other one takes its VRRP instance after about 3.6 s.',
        `DNS still hands out both addresses: after the takeover the survivor holds both, so every request to ${NAME} works. Run \`infra kill lb-02\`, then \`load http://${NAME}/ -r 10 -d 8s\`.`,
      ],
      solution: ['infra kill lb-02', `load http://${NAME}/ -r 10 -d 8s`],
      check({ events }) {
        for (const [dead, survivor, instance] of [
          [lb1, lb2, 'VI_1'],
          [lb2, lb1, 'VI_2'],
        ] as const) {
          const death = exits(events, dead.name).at(-1);
          if (!death) continue;
          const states = vrrpStates(events, survivor.name, instance);
          const takeover = states.find((s) => s.state === 'MASTER' && s.seq > death.seq);
          // (It may already hold it: a balancer whose tracked check failed gives its address away before it dies.)
          const heldAlready = states.filter((s) => s.seq < death.seq).at(-1)?.state === 'MASTER';
          if (!takeover && !heldAlready) continue;
          const served = balancerRequests(events, survivor.name).filter((r) => r.seq > (takeover ?? death).seq).length;
          return {
            met: served >= 3,
            expected: `${survivor.name} holds both addresses and answers requests after ${dead.name} died`,
            observed: `${survivor.name} ${takeover ? `took ${instance} ${seconds(takeover.time - death.time)} after ${dead.name} died` : `already held ${instance} when ${dead.name} died`} and has answered ${plural(served, 'request')} since`,
          };
        }
        return {
          met: false,
          expected: 'one balancer killed, the other MASTER of both instances',
          observed: 'both balancers are alive (or the takeover is still pending)',
        };
      },
    },
  ],
});
