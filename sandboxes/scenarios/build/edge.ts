// The building blocks of the edge scenarios: balancers guarded by keepalived (vrrp.js running the balancer as its
// companion, so killing the node kills both, as a machine crash does), their keepalived.conf files, the monitor,
// and what the goal checks read from the event stream (VRRP states and logs, alerts).
import { decide, INSTALLED, type Ruleset } from '../../network/firewall/ruleset';
import type { SandboxEvent } from '../../contracts/events/index';
import type { ScenarioNode, World } from '../../contracts/scenario';
import { CLIENT } from './topology';

type Event<T extends SandboxEvent['type']> = Extract<SandboxEvent, { type: T }>;

/** lb-0n at 10.0.0.(1+n): keepalived (vrrp.js, keepalived-lb-0n.conf) with HAProxy (haproxy.cfg) next to it. */
export function keepalivedBalancer(n: 1 | 2): ScenarioNode {
  const name = `lb-0${n}`;
  return {
    name,
    role: 'balancer',
    program: 'vrrp',
    address: `10.0.0.${1 + n}`,
    ports: [80, 112, 8404],
    args: ['-f', `keepalived-${name}.conf`, '--', 'balancer', '-f', 'haproxy.cfg'],
    // `reload` reloads the node's two services: keepalived re-reads its keepalived-lb-0n.conf and passes the reload
    // on to HAProxy (haproxy.cfg); the node confirms once both did, or reports the errors of either.
    config: 'haproxy.cfg',
    reload: true,
  };
}

export interface VrrpInstanceSpec {
  name: string;
  vrid: number;
  vip: string;
  state: 'MASTER' | 'BACKUP';
  priority: number;
}

/** A keepalived.conf as the lesson shows it: a tracked HAProxy check and one block per VRRP instance. */
export function keepalivedConf(router: string, instances: VrrpInstanceSpec[]): string {
  const lines = [
    `# keepalived.conf on ${router}`,
    'global_defs {',
    `    router_id ${router}`,
    '}',
    '',
    'vrrp_script chk_haproxy {',
    '    script "/usr/bin/killall -0 haproxy"   # exits 1 when no haproxy process exists',
    '    interval 2',
    '    weight -20',
    '    fall 2',
    '    rise 2',
    '}',
  ];
  for (const i of instances) {
    lines.push(
      '',
      `vrrp_instance ${i.name} {`,
      `    state ${i.state}`,
      '    interface eth0',
      `    virtual_router_id ${i.vrid}`,
      `    priority ${i.priority}`,
      '    advert_int 1',
      '    virtual_ipaddress {',
      `        ${i.vip}/24`,
      '    }',
      '    track_script {',
      '        chk_haproxy',
      '    }',
      '}',
    );
  }
  return lines.join('\n') + '\n';
}

/** The Prometheus-like monitor prom-01 at 10.0.0.31 (API on :9090), reading prometheus.yml and alerts.yml. */
export function prometheus(): ScenarioNode {
  return {
    name: 'prom-01',
    role: 'monitor',
    program: 'monitor',
    address: '10.0.0.31',
    ports: [9090],
    args: ['--config.file=prometheus.yml'],
    config: 'prometheus.yml',
  };
}

export function vrrpStates(events: readonly SandboxEvent[], node: string, instance = 'VI_1'): Event<'vrrp.state'>[] {
  return events.filter(
    (e): e is Event<'vrrp.state'> => e.type === 'vrrp.state' && e.node === node && e.instance === instance,
  );
}

export function logsOf(events: readonly SandboxEvent[], node: string, text: string): Event<'log'>[] {
  return events.filter((e): e is Event<'log'> => e.type === 'log' && e.node === node && e.text === text);
}

export function alerts(
  events: readonly SandboxEvent[],
  alertname: string,
  state: 'pending' | 'firing' | 'resolved',
): Event<'monitor.alert'>[] {
  return events.filter(
    (e): e is Event<'monitor.alert'> => e.type === 'monitor.alert' && e.alertname === alertname && e.state === state,
  );
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/**
 * The firewall as the goal checks see it: each node's rules from the sandbox network (.sandbox/net/firewall/
 * <address>.json, written by `ufw`), asked through the same decide() that net.ts applies to every connection.
 */
export function firewallView({ nodes, file }: Pick<World, 'nodes' | 'file'>) {
  const rules = (address: string): Ruleset => {
    const text = file(`.sandbox/net/firewall/${address}.json`);
    return text ? { ...INSTALLED, ...(JSON.parse(text) as Partial<Ruleset>) } : INSTALLED;
  };
  const open = (from: string, address: string, port: number) =>
    decide(rules(address), from, address, port, () => 1).verdict === 'accept';
  /** Every node:port the internet (the learner's terminal) can open. */
  const exposed = nodes.flatMap((n) =>
    n.ports.filter((port) => open(CLIENT, n.address, port)).map((port) => `${n.name}:${port}`),
  );
  return { open, exposed };
}
