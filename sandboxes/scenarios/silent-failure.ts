// The monitoring lesson's silent failure: web-02 answers 30% of requests with a 500 while its port and its /health are fine,
// so lb-01 keeps it in rotation and nothing looks wrong, until the monitor's error-rate alert fires.
import { appRequests, plural } from './build/observe';
import { defineScenario } from '../contracts/scenario';
import { balancer, HEALTH_CHECK, webServer } from './build/topology';
import { alerts, prometheus } from './build/prometheus';
import { ALERTS_YML, PROMETHEUS_YML, haproxyCfgWithExporter } from './build/monitoring-files';

const lb = balancer();
const [web1, web2] = [webServer(1), webServer(2)];
const servers = [web1, web2].map((node) => ({ node, params: HEALTH_CHECK }));
/**
 * Answers in a row without a 5xx that show web-02 repaired. Any answer may begin such a run, so the chance that a
 * server still failing 30% of requests shows one somewhere is about (answers × 0.3 × 0.7^CLEAN): with 20, about 2% in
 * the 75 answers before the alert fires (CI 26 met the goal that way, unrepaired); with 40, about 1 in 5,000 after
 * 1,000 answers (over three minutes of 10 requests a second).
 */
const CLEAN = 40;

export default defineScenario({
  name: 'silent-failure',
  title: 'A failure only monitoring sees',
  summary: 'Every node is up and every health check passes, yet some visitors get errors. prom-01 scrapes all nodes.',
  nodes: [web1, web2, lb, prometheus()],
  files: {
    'haproxy.cfg': haproxyCfgWithExporter({
      balance: 'roundrobin',
      options: ['retries 3', 'option redispatch'],
      servers,
    }),
    'prometheus.yml': PROMETHEUS_YML,
    'alerts.yml': ALERTS_YML,
  },
  faults: [{ cmd: 'web', node: web2.name, behaviour: { flaky: 0.3 } }],
  goals: [
    {
      id: 'repaired',
      title: 'Users complain, yet every health check is green: find the broken server and repair it.',
      challenge: true,
      hints: [
        "Send traffic (the panel's Load menu, or `load`) and watch the errors chart: errors show up, yet `infra status` and lb-01 see every server UP. Which server answers them?",
        '`metrics alerts` names the instance; `metrics web-02 http_requests_total` shows its answers by code. Its /health answers 200, so lb-01 keeps it in rotation.',
        "web-02 fails about 30% of its pages (the sandbox's stand-in for a bad deploy): `infra flaky web-02 0` repairs it. Keep traffic flowing until the alert, if it fired, resolves.",
      ],
      solution: ['infra flaky web-02 0', 'load http://10.0.0.2/ -r 10 -d 10s'],
      check({ events }) {
        // Repaired is judged by web-02's own latest answers, all good, and by the alert not firing. Not by the alert
        // resolving alone: it also resolves when traffic stops (no requests, no errors), web-02 still broken.
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
          met: latest?.state !== 'firing' && repaired,
          expected: `web-02 answering ${CLEAN} requests in a row without error, and HighErrorRate not firing for ${instance}`,
          observed: !latest
            ? `HighErrorRate has not fired for ${instance}; ${since}`
            : latest.state === 'firing'
              ? `HighErrorRate is firing for ${instance}; ${since}`
              : repaired
                ? `HighErrorRate resolved for ${instance}, and ${since}`
                : `HighErrorRate resolved for ${instance}, but ${since}: it resolves when traffic stops too (no requests, no errors)`,
        };
      },
    },
    {
      id: 'error-rate-fires',
      title: 'Send traffic and find the failing server from the HighErrorRate alert.',
      hints: [
        'Errors only show with traffic: the rule divides the rate of 5xx answers by the rate of all answers, per server.',
        'Run `load http://10.0.0.2/ -r 10 -d 20s`, then `metrics alerts`.',
      ],
      solution: ['load http://10.0.0.2/ -r 10 -d 20s'],
      check({ events }) {
        const firing = alerts(events, 'HighErrorRate', 'firing').find(
          (a) => a.labels.instance === `${web2.address}:80`,
        );
        return {
          met: !!firing,
          expected: `HighErrorRate firing for ${web2.address}:80`,
          observed: firing ? `HighErrorRate fired: ${firing.summary}` : 'no HighErrorRate alert has fired yet',
        };
      },
    },
  ],
});
