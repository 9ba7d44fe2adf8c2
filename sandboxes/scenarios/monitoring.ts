// The monitoring lesson: a Prometheus-like prom-01 scrapes every node; an alert goes pending, fires after its `for`,
// and resolves when the condition clears.
import { defineScenario, type World } from '../contracts/scenario';
import { balancer, HEALTH_CHECK, webServer } from './build/topology';
import { alerts, prometheus } from './build/prometheus';
import { exits, seconds } from './build/observe';
import { ALERTS_YML, PROMETHEUS_YML, haproxyCfgWithExporter } from './build/monitoring-files';

const lb = balancer();
const [web1, web2] = [webServer(1), webServer(2)];
const servers = [web1, web2].map((node) => ({ node, params: HEALTH_CHECK }));

/**
 * How long a dead web server goes unannounced: from a web server's first death to InstanceDown firing for it. The
 * scrape that fails comes up to one scrape_interval (2 s) after the death, the rule sees it at its next evaluation
 * (up to 2 s more), and it must then stay true for its `for: 6s`.
 */
export function secondsToFiring({ events }: Pick<World, 'events'>) {
  for (const web of [web1, web2]) {
    const death = exits(events, web.name).at(0);
    const firing =
      death &&
      alerts(events, 'InstanceDown', 'firing').find(
        (a) => a.seq > death.seq && a.labels.instance === `${web.address}:80`,
      );
    if (!death || !firing) continue;
    const value = Number(((firing.time - death.time) / 1000).toFixed(1));
    return { value, how: `from ${web.name}'s exit to InstanceDown firing for ${web.address}:80` };
  }
  return undefined;
}

export default defineScenario({
  name: 'monitoring',
  title: 'Metrics and alerts',
  summary:
    'prom-01 scrapes lb-01 (HAProxy exporter on :8404) and the web servers every 2 s and evaluates three alert rules.',
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
  faults: [],
  goals: [
    {
      id: 'alert-fires',
      title: 'Kill a web server and follow InstanceDown from pending to firing.',
      hints: [
        '`up` is 0 for a target whose scrape failed; InstanceDown fires after `for: 6s` of that.',
        'Kill a web server with `infra kill web-01`, then run `metrics alerts` a few times.',
      ],
      solution: ['infra kill web-01'],
      check({ events }) {
        const firing = alerts(events, 'InstanceDown', 'firing').at(-1);
        const pending =
          firing &&
          alerts(events, 'InstanceDown', 'pending').findLast(
            (p) => p.seq < firing.seq && p.labels.instance === firing.labels.instance,
          );
        return {
          met: !!firing,
          expected: 'InstanceDown pending, then firing',
          observed: firing
            ? `InstanceDown fired for ${firing.labels.instance}${pending ? ` ${seconds(firing.time - pending.time)} after it went pending` : ''}`
            : alerts(events, 'InstanceDown', 'pending').length
              ? 'InstanceDown is pending'
              : 'no InstanceDown alert yet',
        };
      },
    },
    {
      id: 'alert-resolves',
      title: 'Bring the server back and see the alert resolve.',
      hints: [
        'A firing alert whose condition is no longer true is resolved (Alertmanager sends a [RESOLVED] notification).',
        'Run `infra start web-01` after the alert fired.',
      ],
      solution: ['infra kill web-01', 'infra start web-01 --in 12s'],
      check({ events }) {
        const resolved = alerts(events, 'InstanceDown', 'resolved').at(-1);
        return {
          met: !!resolved,
          expected: 'InstanceDown resolved after firing',
          observed: resolved
            ? `InstanceDown resolved for ${resolved.labels.instance}`
            : 'no InstanceDown alert has resolved yet',
        };
      },
    },
  ],
  predictions: [
    {
      id: 'seconds-to-firing',
      question:
        'prom-01 scrapes every 2 s and evaluates its rules every 2 s; InstanceDown has `for: 6s`. How many seconds after web-01 dies does InstanceDown fire?',
      kind: { type: 'number', unit: 's' },
      goal: 'alert-fires',
      measure: secondsToFiring,
    },
  ],
});
