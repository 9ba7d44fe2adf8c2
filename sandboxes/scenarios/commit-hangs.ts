// Replication and lag, the challenge: the cluster runs synchronous replication, db-03 is down for maintenance and
// db-02, the synchronous standby, has stopped answering without dropping its connection (frozen, as a machine stuck
// in a long pause is). Every commit on db-01 waits for it. The way out that keeps the promise of synchronous
// replication is a standby that confirms again, not the switch to asynchronous commits.
import { dbNode, storeConf, storeEvents } from './build/database';
import { plural } from './build/observe';
import { defineScenario } from '../contracts/scenario';

const [db1, db2, db3] = [dbNode(1), dbNode(2), { ...dbNode(3), stopped: true }];

export default defineScenario({
  name: 'commit-hangs',
  title: 'A commit hangs',
  summary:
    'db-01 acknowledges a commit only once its synchronous standby has flushed it (store.conf: mode = sync). Today no commit comes back.',
  nodes: [db1, db2, db3],
  files: { 'store.conf': storeConf('sync') },
  faults: [{ cmd: 'freeze', node: db2.name }],
  goals: [
    {
      id: 'writes-go-through',
      challenge: true,
      title:
        'Every commit on db-01 hangs: find out why, and make writes go through again without giving up synchronous replication.',
      hints: [
        'A write that never comes back is waiting for something. `db status` and `db lag` show what db-01 waits for, and `infra status` what each node is doing.',
        'In sync mode db-01 acknowledges a commit once its synchronous standby has flushed it. db-03 is stopped; db-02 is still connected, so it is still the synchronous standby, but it does not answer: it is frozen.',
        'Switching to `db mode async` releases the commits, but then an acknowledged write can be lost again. Make a standby confirm instead: bring db-02 back to life (or replace it with db-03), then write.',
        'Run `infra resume db-02`, then `db set order:50 paid`.',
      ],
      solution: ['infra resume db-02', 'db set order:50 paid'],
      check({ events }) {
        // The mode a commit is acknowledged in is the one in force at that moment: relaxing to async releases the
        // waiting commits as async ones, which does not count.
        const writes = storeEvents(events, 'store.write', db1.name);
        const confirmed = writes.find((w) => w.mode === 'sync');
        return {
          met: !!confirmed,
          expected: 'a commit on db-01 acknowledged in sync mode, confirmed by a standby',
          observed: confirmed
            ? `db-01 acknowledged ${confirmed.key} in sync mode after ${confirmed.wait_ms} ms`
            : writes.length
              ? `${plural(writes.length, 'commit')} acknowledged, none in sync mode (${writes.at(-1)!.mode}): a standby never confirmed them`
              : 'no commit acknowledged by db-01 yet',
        };
      },
    },
    {
      id: 'second-candidate',
      title:
        'Give db-01 a second candidate, so that one standby lost no longer stops the writes: db-03 streaming from db-01.',
      hints: [
        '`db lag` lists each connected standby with its sync_state: `sync` is the one commits wait for, `potential` the next in line.',
        'db-03 is stopped. Start it and look at `db lag` again.',
        'Run `infra start db-03`.',
      ],
      solution: ['infra start db-03'],
      check({ events }) {
        const rows = storeEvents(events, 'store.replication', db1.name).filter((r) => r.application_name === db3.name);
        const last = rows.at(-1);
        return {
          met: !!last,
          expected: 'db-03 streaming from db-01 (sync_state potential, or sync if db-02 is gone)',
          observed: last ? `db-03 streams from db-01 as ${last.sync_state}` : 'db-03 is not streaming from db-01',
        };
      },
    },
  ],
});
