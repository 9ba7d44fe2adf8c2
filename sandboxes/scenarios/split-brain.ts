// Failover, fencing and split brain, the split: the same cluster with fencing off. After a failover the old primary comes back still
// believing it is the primary, and accepts writes next to the new one: two histories that will never merge.
// Turning fencing on (a lease on every heartbeat, demotion on a newer timeline) prevents it.
import { dbNode, failoverConf, failoverMonitor, storeConf, storeEvents } from './build/database';
import { defineScenario, type World } from '../contracts/scenario';

const dbs = [dbNode(1), dbNode(2), dbNode(3)];

/** How many nodes accepted writes at once, as mon-01 reported it when it saw a split brain. */
export function primariesAtOnce({ events }: Pick<World, 'events'>) {
  const split = storeEvents(events, 'store.split-brain').at(-1);
  const name = (address: string) => dbs.find((n) => `${n.address}:5432` === address)?.name ?? address;
  return (
    split && {
      value: split.primaries.length,
      how: `mon-01 saw ${split.primaries.map(name).join(' and ')} accept writes at the same time`,
    }
  );
}

export default defineScenario({
  name: 'split-brain',
  title: 'Split brain, then fencing',
  summary:
    'The failover monitor mon-01 runs with fencing off: after a failover, nothing stops the old primary from accepting writes when it returns. failover.conf can turn fencing on.',
  nodes: [...dbs, failoverMonitor()],
  files: { 'failover.conf': failoverConf('off', dbs), 'store.conf': storeConf() },
  faults: [],
  goals: [
    {
      id: 'two-primaries',
      title: 'Kill db-01, let mon-01 fail over, start db-01 again, and see two primaries accept writes.',
      hints: [
        'With `fencing = off`, a returning old primary is told nothing.',
        'mon-01 logs `WARNING:  split brain: 2 nodes accept writes` when it sees it.',
        'Run `infra kill db-01`, wait for the failover, `infra start db-01`, then `db status`.',
      ],
      solution: ['infra kill db-01', 'infra start db-01 --in 6s', '# wait until db-01 has started'],
      check({ events }) {
        const split = storeEvents(events, 'store.split-brain').at(0);
        return {
          met: !!split,
          expected: 'two nodes accepting writes at the same time',
          observed: split ? `split brain: ${split.primaries.join(' and ')} both accept writes` : 'one primary so far',
        };
      },
    },
    {
      id: 'fenced',
      title:
        'Turn fencing on in failover.conf, reload mon-01, and show that a returning old primary now rejoins as a standby.',
      hints: [
        'Set `fencing = on` in failover.conf (`edit failover.conf`), then `reload mon-01`.',
        'Then crash the current primary, wait for the failover, and start it again: it should be fenced.',
      ],
      solution: [
        'edit failover.conf',
        '#   change "fencing  = off" to "fencing  = on", save',
        'reload mon-01',
        'infra kill db-01 --in 2s',
        'infra start db-01 --in 9s',
      ],
      check({ events }) {
        const fenced = storeEvents(events, 'store.fenced').find((e) => e.reason === 'newer-timeline');
        return {
          met: !!fenced,
          expected: 'an old primary fenced and rejoining as a standby',
          observed: fenced
            ? `${fenced.node} was fenced (it was on timeline ${fenced.timeline}) and follows ${fenced.primary}`
            : 'no primary has been fenced yet',
        };
      },
    },
  ],
  predictions: [
    {
      id: 'primaries-at-once',
      question:
        'Fencing is off. db-01 crashes, mon-01 promotes a standby, and then db-01 starts again. How many nodes accept writes?',
      kind: { type: 'number', unit: 'nodes' },
      goal: 'two-primaries',
      measure: primariesAtOnce,
    },
  ],
});
