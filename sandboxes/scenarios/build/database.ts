// The building blocks of the database scenarios (replication, failover, split-brain, read-your-writes): the store
// nodes at their fixed addresses, the failover monitor and its settings file, and what the goal checks read from
// the store's events.
import type { SandboxEvent } from '../../contracts/events/index';
import type { ScenarioNode } from '../../contracts/scenario';

export { formatLsn } from '../../contracts/lsn';
export { storeConf } from '../../store/store-config';

/** Where the nodes keep their data (WAL and control file), inside the session's private folder. */
const data = (name: string) => `.sandbox/data/${name}`;

/**
 * Database node n (1-based): db-01 at 10.0.0.21 is the primary, the others start as its standbys. Every node reads
 * store.conf (the replication mode), which the scenario's files must hold: `storeConf()`.
 */
export function dbNode(n: number, extra: string[] = []): ScenarioNode {
  const name = `db-${String(n).padStart(2, '0')}`;
  const role = n === 1 ? ['primary'] : ['standby', '--primary', '10.0.0.21:5432'];
  // :9187 serves Prometheus metrics under postgres_exporter's names (pg_replication_lag_seconds...).
  const args = [
    ...role,
    '--listen',
    ':5432',
    '--name',
    name,
    '--data',
    data(name),
    '--config',
    'store.conf',
    '--metrics',
    ':9187',
    ...extra,
  ];
  return {
    name,
    role: 'store',
    program: 'store',
    address: `10.0.0.${20 + n}`,
    ports: [5432, 9187],
    args,
    config: 'store.conf',
    reload: true,
  };
}

/** The failover monitor (mon-01 at 10.0.0.32 in every lesson; prom-01, Prometheus, is 10.0.0.31), reading failover.conf (`reload mon-01` makes it re-read it). */
export function failoverMonitor(name = 'mon-01', address = '10.0.0.32'): ScenarioNode {
  return {
    name,
    role: 'monitor',
    program: 'store',
    address,
    ports: [],
    args: ['monitor', '--config', 'failover.conf'],
    config: 'failover.conf',
    reload: true,
  };
}

export function failoverConf(fencing: 'on' | 'off', nodes: ScenarioNode[]): string {
  return `# failover.conf: settings of the sandbox's failover monitor mon-01 (its own keys; repmgr and Patroni have others)
# The primary is declared down after "misses" heartbeats in a row go unanswered:
# detection time = misses × interval.
nodes    = ${nodes.map((n) => `${n.name}=${n.address}:5432`).join(', ')}
interval = 1000ms
misses   = 3
# on: every heartbeat is also a lease; a primary that loses it stops accepting writes, and an old primary
#     that comes back finds the newer timeline and rejoins as a standby.
# off: nothing stops an old primary that comes back from accepting writes.
fencing  = ${fencing}
`;
}

type Event<T extends SandboxEvent['type']> = Extract<SandboxEvent, { type: T }>;

/** The store events of one type, optionally from one node, oldest first. */
export function storeEvents<T extends SandboxEvent['type']>(
  events: readonly SandboxEvent[],
  type: T,
  node?: string,
): Event<T>[] {
  return events.filter((e): e is Event<T> => e.type === type && (!node || e.node === node));
}
