// Lesson 10, a silent failure: web-02 answers 30% of requests with a 500 while its port and its /health are fine,
// so lb-01 keeps it in rotation and nothing looks wrong, until the monitor's error-rate alert fires.
import { appRequests, plural } from './observe';
import { defineScenario } from './scenario';
import { balancer, webServer } from './topology';
import { alerts, prometheus } from './edge';
import { ALERTS_YML, PROMETHEUS_YML, haproxyCfgWithExporter } from './monitoring-files';

const lb = balancer();
const [web1, web2] = [webServer(1), webServer(2)];
const servers = [web1, web2].map((node) => ({ node, params: 'check inter 1s fall 3 rise 2' }));
/** Answers in a row without a 5xx that show web-02 repaired (a server failing 30% of requests gives 20 good ones in a row 0.08% of the time). */
const CLEAN = 20;

export default defineScenario({
  name: 'silent-failure',
  title: 'A failure only monitoring sees',
  summary: 'Every node is up and every health check passes, yet some visitors get errors. prom-01 scrapes all nodes.',
  nodes: [web1, web2, lb, prometheus()],
  files: {
    'haproxy.cfg': haproxyCfgWithExporter({ balance: 'roundrobin', options: ['retries 3', 'option redispatch'], servers }),
    'prometheus.yml': PROMETHEUS_YML,
    'alerts.yml': ALERTS_YML,
  },
  faults: [{ cmd: 'web', node: web2.name, behaviour: { flaky: 0.3 } }],
  goals: [
    {
      id: 'error-rate-fires',
      title: 'Send traffic and find the failing server from the HighErrorRate alert.',
      hints: [
        'Errors only show with traffic: the rule divides the rate of 5xx answers by the rate of all answers, per server.',
        'Run `load http://10.0.0.2/ -r 10 -d 20s`, then `metrics alerts`.',
      ],
      solution: ['load http://10.0.0.2/ -r 10 -d 20s', 'metrics alerts'],
      check({ events }) {
        const firing = alerts(events, 'HighErrorRate', 'firing').find((a) => a.labels.instance === `${web2.address}:80`);
        return { met: !!firing, expected: `HighErrorRate firing for ${web2.address}:80`, observed: firing ? `HighErrorRate fired: ${firing.summary}` : 'no HighErrorRate alert has fired yet' };
      },
    },
    {
      id: 'repaired',
      title: 'Repair the failing server and see the alert resolve.',
      hints: ['web-02 is flaky: `infra flaky web-02 0` makes it answer normally again.', 'Keep traffic flowing until the alert resolves: `load http://10.0.0.2/ -r 10 -d 40s`.'],
      solution: ['load http://10.0.0.2/ -r 10 -d 20s', 'infra flaky web-02 0', 'load http://10.0.0.2/ -r 10 -d 40s'],
      check({ events }) {
        // The alert also resolves when traffic stops: with no requests there are no 5xx, the error rate falls to 0
        // and the rule's expression no longer returns web-02. So the goal asks for the repair itself too: web-02's
        // latest answers, all good.
        const instance = `${web2.address}:80`;
        const latest = [...alerts(events, 'HighErrorRate', 'firing'), ...alerts(events, 'HighErrorRate', 'resolved')]
          .filter((a) => a.labels.instance === instance)
          .sort((a, b) => a.seq - b.seq)
          .at(-1);
        const answers = appRequests(events).filter((e) => e.node === web2.name);
        const clean = answers.length - 1 - answers.findLastIndex((e) => e.status >= 500);
        const repaired = clean >= CLEAN;
        const since = `web-02 has answered ${plural(clean, 'request')} without error since its last 5xx`;
        return {
          met: latest?.state === 'resolved' && repaired,
          expected: `HighErrorRate resolved for ${instance}, and web-02 answering ${CLEAN} requests in a row without error`,
          observed: !latest
            ? `HighErrorRate has not fired for ${instance} yet`
            : latest.state === 'firing'
              ? `HighErrorRate is firing for ${instance}; ${since}`
              : repaired
                ? `HighErrorRate resolved for ${instance}, and ${since}`
                : `HighErrorRate resolved for ${instance}, but ${since}: it resolves when traffic stops too (no requests, no errors)`,
        };
      },
    },
  ],
});
