// Primary vs replica in the application: the web servers write to the primary and read from a standby.
// The standby db-02 replays 10 s late (long enough for a learner to type the read after the write), so a visitor who
// saves something and reads it back within that time sees the old value,
// unless the application reads its own writes (web-02 waits until the standby has replayed the visitor's write).
import { dbNode, storeConf, storeEvents } from './build/database';
import { defineScenario, type World } from '../contracts/scenario';
import { webServer } from './build/topology';

const [db1, db2] = [dbNode(1), dbNode(2, ['--recovery-min-apply-delay', '10000'])];
const database = ['--db', `${db1.address}:5432,${db2.address}:5432`];
const web1 = { ...webServer(1), args: [...webServer(1).args, ...database, '--read-your-writes', 'off'] };
const web2 = { ...webServer(2), args: [...webServer(2).args, ...database, '--read-your-writes', 'wait'] };

/**
 * How long after a write its author, reading through web-02, got the new value: web-02 holds the read until db-02
 * has replayed the write, so a read sent at once answers when the write is as old as db-02's replay delay.
 */
export function freshReadAfter({ events }: Pick<World, 'events'>) {
  for (const read of storeEvents(events, 'store.read', web2.name)
    .filter((r) => r.stale === false)
    .reverse()) {
    const write = storeEvents(events, 'store.write', db1.name)
      .filter((w) => w.key === read.key && w.seq < read.seq)
      .at(-1);
    if (write)
      return {
        value: Number(((read.time - write.time) / 1000).toFixed(1)),
        how: `from db-01's acknowledgement of ${read.key} to web-02's answer read on db-02`,
      };
  }
  return undefined;
}

export default defineScenario({
  name: 'read-your-writes',
  title: 'Reading your own writes',
  summary:
    'web-01 and web-02 store data in db-01 (the primary) and read it from db-02, a standby that replays 10 s late. web-01 reads whatever db-02 has; web-02 waits until db-02 has replayed your last write.',
  nodes: [db1, db2, web1, web2],
  files: { 'store.conf': storeConf() },
  faults: [],
  goals: [
    {
      id: 'stale-read',
      challenge: true,
      title:
        'Visitors say the site sometimes shows their cart as it was before their last change: make it happen to you, and find which server and which database node answered.',
      hints: [
        'A visitor writes, then reads. Try both web servers: `curl -d VALUE http://10.0.0.11/kv?key=cart` saves a value, a plain `curl` of the same address reads it.',
        'The X-Read-From header (`curl -i`) names the database node that answered the read. Writes go to db-01; where do the reads go, and how far behind is that node (`db lag`)?',
        'web-01 reads whatever db-02 has, and db-02 replays 10 s late: read through web-01 within 10 s of your write (the up arrow brings the write back to edit).',
        'Run `curl -d one-book http://10.0.0.11/kv?key=cart`, then at once `curl -i http://10.0.0.11/kv?key=cart`.',
      ],
      solution: ['curl -d one-book http://10.0.0.11/kv?key=cart', 'curl -i http://10.0.0.11/kv?key=cart'],
      check({ events }) {
        const stale = storeEvents(events, 'store.read', web1.name).find((e) => e.stale === true);
        const reads = storeEvents(events, 'store.read', web1.name).filter((e) => e.stale !== null);
        return {
          met: !!stale,
          expected: 'a read through web-01 that misses your own write',
          observed: stale
            ? `web-01 read ${stale.key} on ${stale.db} before it had replayed your write`
            : reads.length
              ? 'your reads through web-01 saw your writes: read sooner after writing'
              : 'no read after a write through web-01 yet',
        };
      },
    },
    {
      id: 'read-your-writes',
      title:
        'Do the same through web-02, which reads your own writes: you get the new value, once db-02 has replayed it.',
      hints: [
        'web-02 runs with --read-your-writes wait: it remembers the LSN of your last write and has db-02 wait until it has replayed it.',
        'Run `curl -d two-books http://10.0.0.12/kv?key=cart`, then `curl http://10.0.0.12/kv?key=cart`.',
      ],
      solution: ['curl -d two-books http://10.0.0.12/kv?key=cart', 'curl http://10.0.0.12/kv?key=cart'],
      check({ events }) {
        const fresh = storeEvents(events, 'store.read', web2.name).find(
          (e) => e.stale === false && e.read_your_writes !== 'off',
        );
        return {
          met: !!fresh,
          expected: 'a read through web-02, right after your write, that sees it',
          observed: fresh
            ? `web-02 read ${fresh.key} on ${fresh.db} after it had replayed your write`
            : 'no read after a write through web-02 yet',
        };
      },
    },
  ],
  predictions: [
    {
      id: 'fresh-read-after',
      question:
        'db-02 replays 10 s late. Through web-02, which reads your own writes, you save a value and read it back at once. How many seconds after your write does the answer come?',
      kind: { type: 'number', unit: 's' },
      goal: 'read-your-writes',
      measure: freshReadAfter,
    },
  ],
});
