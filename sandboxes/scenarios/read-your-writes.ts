// Lesson 7, primary vs replica in the application: the web servers write to the primary and read from a standby.
// The standby db-02 replays 10 s late (long enough for a learner to type the read after the write), so a visitor who
// saves something and reads it back within that time sees the old value,
// unless the application reads its own writes (web-02 waits until the standby has replayed the visitor's write).
import { dbNode, storeConf, storeEvents } from './database';
import { defineScenario } from './scenario';
import { webServer } from './topology';

const [db1, db2] = [dbNode(1), dbNode(2, ['--recovery-min-apply-delay', '10000'])];
const database = ['--db', `${db1.address}:5432,${db2.address}:5432`];
const web1 = { ...webServer(1), args: [...webServer(1).args, ...database, '--read-your-writes', 'off'] };
const web2 = { ...webServer(2), args: [...webServer(2).args, ...database, '--read-your-writes', 'wait'] };

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
      title: 'Save a value through web-01 and read it back within 10 s: you get the old one (a stale read).',
      hints: [
        '`curl -d VALUE http://10.0.0.11/kv?key=cart` writes, `curl http://10.0.0.11/kv?key=cart` reads.',
        'The write goes to db-01; the read goes to db-02, which replays everything 10 s late.',
        'Read within 10 s of the write (the up arrow brings the write back to edit); the X-Read-From header (curl -i) says which node answered.',
      ],
      solution: ['curl -d one-book http://10.0.0.11/kv?key=cart', 'curl -i http://10.0.0.11/kv?key=cart'],
      check({ events }) {
        const stale = storeEvents(events, 'store.read', web1.name).find((e) => e.stale === true);
        const reads = storeEvents(events, 'store.read', web1.name).filter((e) => e.stale !== null);
        return {
          met: !!stale,
          expected: 'a read through web-01 that misses your own write',
          observed: stale ? `web-01 read ${stale.key} on ${stale.db} before it had replayed your write` : reads.length ? 'your reads through web-01 saw your writes: read sooner after writing' : 'no read after a write through web-01 yet',
        };
      },
    },
    {
      id: 'read-your-writes',
      title: 'Do the same through web-02, which reads your own writes: you get the new value, once db-02 has replayed it.',
      hints: [
        'web-02 runs with --read-your-writes wait: it remembers the LSN of your last write and has db-02 wait until it has replayed it.',
        'Run `curl -d two-books http://10.0.0.12/kv?key=cart`, then `curl http://10.0.0.12/kv?key=cart`.',
      ],
      solution: ['curl -d two-books http://10.0.0.12/kv?key=cart', 'curl http://10.0.0.12/kv?key=cart'],
      check({ events }) {
        const fresh = storeEvents(events, 'store.read', web2.name).find((e) => e.stale === false && e.read_your_writes !== 'off');
        return {
          met: !!fresh,
          expected: 'a read through web-02, right after your write, that sees it',
          observed: fresh ? `web-02 read ${fresh.key} on ${fresh.db} after it had replayed your write` : 'no read after a write through web-02 yet',
        };
      },
    },
  ],
});
