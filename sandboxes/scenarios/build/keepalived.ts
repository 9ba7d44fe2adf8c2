// Balancers guarded by keepalived (vrrp.js running the balancer as its companion, so killing the node kills both, as a
// machine crash does), their keepalived.conf files, and the VRRP states the goal checks read from the event stream.
import type { SandboxEvent } from '../../contracts/events/index';
import type { ScenarioNode } from '../../contracts/scenario';

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

export function vrrpStates(events: readonly SandboxEvent[], node: string, instance = 'VI_1'): Event<'vrrp.state'>[] {
  return events.filter(
    (e): e is Event<'vrrp.state'> => e.type === 'vrrp.state' && e.node === node && e.instance === instance,
  );
}
