// Replication and lag: one primary takes the writes and streams its write-ahead log to two
// standbys, which replay it and serve reads, refuse writes, and can fall behind; in synchronous mode, a commit waits
// for a standby, and waits as long as it takes when none is there.
import { dbNode, formatLsn, storeConf, storeEvents } from './build/database';
import { plural } from './build/observe';
import { defineScenario, type World } from '../contracts/scenario';

const [db1, db2, db3] = [dbNode(1), dbNode(2), dbNode(3)];
const standbys = [db2.name, db3.name];
/** Longer than the shell's client waits for an answer (2 s): the learner saw no acknowledgement at all. */
const HUNG_MS = 2000;

export const COMMIT_WAIT_CHOICES = [
  'It fails at once with an error',
  'It waits 10 s, then goes through without a standby',
  'It waits until a standby confirms it, however long that takes',
];

/**
 * How the first commit that waited for a standby ended: after semi-sync's timeout (MySQL's fallback), or when a standby
 * confirmed it or the mode was relaxed (PostgreSQL: no timeout). A refusal never happens; the panel shows the run.
 */
export function commitWait({ events }: Pick<World, 'events'>) {
  const hung = storeEvents(events, 'store.write', db1.name).find((w) => w.wait_ms >= HUNG_MS);
  if (!hung) return undefined;
  const seconds = (hung.wait_ms / 1000).toFixed(1);
  return hung.mode === 'semi-sync'
    ? { value: COMMIT_WAIT_CHOICES[1], how: `${hung.key} waited ${seconds} s, then semi-sync fell back to async` }
    : {
        value: COMMIT_WAIT_CHOICES[2],
        how: `${hung.key} waited ${seconds} s before db-01 acknowledged it (in ${hung.mode} mode)`,
      };
}

export default defineScenario({
  name: 'replication',
  title: 'A primary and two standbys',
  summary:
    'db-01 (10.0.0.21) is the primary: every write goes into its write-ahead log, which db-02 and db-03 stream, write, flush and replay, as PostgreSQL standbys do. They serve reads and refuse writes.',
  nodes: [db1, db2, db3],
  files: { 'store.conf': storeConf() },
  faults: [],
  goals: [
    {
      id: 'replicated-write',
      title: 'Write a key on the primary and watch both standbys replay it.',
      hints: [
        '`db set KEY VALUE` writes on the primary; it answers with the LSN where the write ends in the log.',
        "The primary reports each standby's replay_lsn (`db lag` shows pg_stat_replication).",
        'Run `db set user:1 alice`; `db lag` then shows both standbys at its LSN.',
      ],
      solution: ['db set user:1 alice'],
      check({ events }) {
        const write = storeEvents(events, 'store.write', db1.name).at(0);
        const caughtUp = write
          ? standbys.filter((s) =>
              storeEvents(events, 'store.replication', db1.name).some(
                (r) => r.application_name === s && r.replay_lsn >= write.lsn,
              ),
            )
          : [];
        return {
          met: caughtUp.length === standbys.length,
          expected: 'a write on db-01, replayed by db-02 and db-03',
          observed: write
            ? `write at ${formatLsn(write.lsn)}; replayed by ${caughtUp.join(' and ') || 'no standby yet'}`
            : 'no write on db-01 yet',
        };
      },
    },
    {
      id: 'read-only-standby',
      title: "Try to write on a standby and get PostgreSQL's read-only error.",
      hints: ['Standbys are hot standbys: they answer reads, never writes.', 'Run `db set user:2 bob --on db-02`.'],
      solution: ['db set user:2 bob --on db-02'],
      check({ events }) {
        const refused = standbys.flatMap((s) =>
          storeEvents(events, 'store.refused', s).filter((e) => e.reason === 'read-only'),
        );
        return {
          met: refused.length > 0,
          expected: 'a write refused by a standby: ERROR:  cannot execute INSERT in a read-only transaction',
          observed: refused.length
            ? `${refused[0].node} refused a write (${refused.length} in all)`
            : 'no write tried on a standby yet',
        };
      },
    },
    {
      id: 'lagging-standby',
      title: 'Make db-02 replay 2 seconds late and catch it lagging: a replay_lag of a second or more.',
      hints: [
        "PostgreSQL's recovery_min_apply_delay makes a standby replay each change only that long after its commit.",
        '`db lag db-02 2000` sets it to 2000 ms; then write something and look at `db lag`.',
        'Run `db lag db-02 2000` and `db set k v`; two seconds later `db lag` (or the lag chart) shows it.',
      ],
      solution: ['db lag db-02 2000', 'db set k v'],
      check({ events }) {
        const lags = storeEvents(events, 'store.replication', db1.name).filter(
          (r) => r.application_name === db2.name && r.replay_lag !== null,
        );
        const worst = Math.max(0, ...lags.map((r) => r.replay_lag ?? 0));
        return {
          met: worst >= 1000,
          expected: 'db-02 with a replay_lag of 1 s or more',
          observed: lags.length ? `db-02's largest replay_lag: ${worst} ms` : 'no replay reported by db-02 yet',
        };
      },
    },
    {
      id: 'sync-commit-waits',
      title:
        'Switch to synchronous replication, then make a commit wait more than 2 seconds for its acknowledgement because no standby can confirm it.',
      hints: [
        "`db mode` chooses when the primary acknowledges a commit. In `sync` it waits until the synchronous standby has flushed the record (PostgreSQL's synchronous_commit = on).",
        "`db lag` shows each standby's sync_state: one is `sync`, the other `potential`, ready to take over if the first goes. A commit hangs only when neither can confirm it.",
        'Take both standbys away (`infra kill`), or freeze the `sync` one (`infra freeze`: still connected, it stays the synchronous standby), then write. The client gives up after 2 s; the commit keeps waiting on db-01 (`db status`) until a standby confirms it or the mode is relaxed.',
        'Run `db mode sync`, `infra kill db-02`, `infra kill db-03`, `db set order:43 paid`, then `infra start db-02`.',
      ],
      solution: ['db mode sync', 'infra kill db-02', 'infra kill db-03', 'db set order:43 paid', 'infra start db-02'],
      check({ events }) {
        // Only a wait for a standby takes seconds: an asynchronous commit waits for the primary's own fsync. A commit
        // released because the mode was relaxed is reported in the new mode, so any mode counts but semi-sync, whose
        // 10 s fallback is MySQL's behaviour, not the one this goal is about.
        const writes = storeEvents(events, 'store.write', db1.name);
        const hung = writes.filter((w) => w.wait_ms >= HUNG_MS && w.mode !== 'semi-sync').at(0);
        const sync = writes.filter((w) => w.mode === 'sync');
        return {
          met: !!hung,
          expected: `a commit on db-01 acknowledged only after waiting ${HUNG_MS / 1000} s or more for a standby`,
          observed: hung
            ? `db-01 acknowledged ${hung.key} after ${(hung.wait_ms / 1000).toFixed(1)} s (released in ${hung.mode} mode)`
            : sync.length
              ? `${plural(sync.length, 'synchronous commit')}, the slowest acknowledged after ${Math.max(...sync.map((w) => w.wait_ms))} ms`
              : 'no synchronous commit yet',
        };
      },
    },
  ],
  predictions: [
    {
      id: 'sync-commit-wait',
      question:
        'In sync mode, no standby can confirm a commit any more, and you write a key on db-01. What happens to that commit?',
      kind: { type: 'choice', choices: COMMIT_WAIT_CHOICES },
      goal: 'sync-commit-waits',
      measure: commitWait,
    },
  ],
});
