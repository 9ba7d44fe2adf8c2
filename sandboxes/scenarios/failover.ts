// Lesson 6, failover: mon-01 heartbeats the database nodes; when the primary misses 3 in a row it promotes the
// most advanced standby on a new timeline, points the other standby at it, and fences the old primary, which
// rejoins as a standby when it comes back.
import { dbNode, failoverConf, failoverMonitor, storeConf, storeEvents } from './database';
import { exits } from './observe';
import { defineScenario } from './scenario';

const dbs = [dbNode(1), dbNode(2), dbNode(3)];
const nameOf = (address: string | null) => dbs.find((n) => `${n.address}:5432` === address)?.name ?? address ?? 'nobody';

export default defineScenario({
  name: 'failover',
  title: 'Automatic failover with fencing',
  summary:
    'mon-01 sends a heartbeat to every database node each second. After 3 missed heartbeats (3 s) it promotes the most advanced standby; the old primary is fenced and must rejoin as a standby.',
  nodes: [...dbs, failoverMonitor()],
  files: { 'failover.conf': failoverConf('on', dbs), 'store.conf': storeConf() },
  faults: [],
  goals: [
    {
      id: 'automatic-failover',
      title: 'Kill the primary db-01 and watch mon-01 promote a standby on timeline 2.',
      hints: [
        'mon-01 logs its detection time when it starts: misses × interval.',
        '`infra kill db-01` is a crash (SIGKILL); about 3 s later mon-01 declares it down and promotes.',
        'Run `infra kill db-01`, wait a few seconds, then `db status`.',
      ],
      solution: ['infra kill db-01', '# wait about 3 s for mon-01 to promote a standby', 'db status'],
      check({ events }) {
        const failover = storeEvents(events, 'store.failover').find((e) => e.to !== null);
        const death = exits(events, 'db-01').at(0);
        return {
          met: !!failover,
          expected: 'mon-01 promotes a standby after db-01 dies',
          observed: failover
            ? `mon-01 promoted ${nameOf(failover.to)} on timeline ${failover.timeline}${death ? `, ${((failover.time - death.time) / 1000).toFixed(1)} s after db-01 died` : ''}`
            : death
              ? 'db-01 is down; mon-01 has not promoted anyone yet'
              : 'db-01 is still the primary',
        };
      },
    },
    {
      id: 'old-primary-rejoins',
      title: 'Start db-01 again: instead of accepting writes, it must rejoin as a standby of the new primary.',
      hints: [
        'db-01 still believes it is the primary of timeline 1 when it starts.',
        'mon-01\'s next heartbeat tells it about timeline 2: it is fenced, discards its divergent tail (pg_rewind) and follows the new primary.',
        'After the failover, run `infra start db-01`, then `db status`.',
      ],
      solution: ['infra kill db-01', 'infra start db-01 --in 6s', '# wait until db-01 has started, then', 'db status'],
      check({ events }) {
        const fenced = storeEvents(events, 'store.fenced', 'db-01').find((e) => e.reason === 'newer-timeline');
        return {
          met: !!fenced,
          expected: 'db-01 back as a standby of the new primary',
          observed: fenced ? `db-01 was fenced and now follows ${nameOf(fenced.primary ?? null)}` : 'db-01 has not come back as a standby yet',
        };
      },
    },
    {
      id: 'write-after-failover',
      title: 'Write a key after the failover: the new primary takes it.',
      hints: ['`db set` finds the node that accepts writes by itself.', 'After the failover, run `db set after failover`.'],
      solution: ['infra kill db-01', '# wait about 3 s for mon-01 to promote a standby', 'db set after failover'],
      check({ events }) {
        const write = storeEvents(events, 'store.write').find((e) => e.timeline >= 2);
        return {
          met: !!write,
          expected: 'a write accepted on timeline 2 or later',
          observed: write ? `${write.node} took a write on timeline ${write.timeline}` : 'no write on a new timeline yet',
        };
      },
    },
  ],
});
