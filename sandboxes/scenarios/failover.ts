// Failover, fencing and split brain: mon-01 heartbeats the database nodes; when the primary misses 3 in a row it promotes the
// most advanced standby on a new timeline, points the other standby at it, and fences the old primary, which
// rejoins as a standby when it comes back. Under asynchronous replication that failover can lose a write the old
// primary acknowledged; a planned switchover hands the role over with nothing lost.
import { dbNode, failoverConf, failoverMonitor, formatLsn, storeConf, storeEvents } from './build/database';
import { exits, plural } from './build/observe';
import { defineScenario, type World } from '../contracts/scenario';

const dbs = [dbNode(1), dbNode(2), dbNode(3)];
const nameOf = (address: string | null) =>
  dbs.find((n) => `${n.address}:5432` === address)?.name ?? address ?? 'nobody';
const [db1, db2] = dbs;

/** From db-01's crash to mon-01's promotion of a standby, in seconds: detection (misses × interval) plus the promotion. */
export function failoverTime({ events }: Pick<World, 'events'>) {
  for (const death of exits(events, db1.name)) {
    const failover = storeEvents(events, 'store.failover').find((f) => f.to !== null && f.seq > death.seq);
    if (failover)
      return {
        value: Number(((failover.time - death.time) / 1000).toFixed(1)),
        how: `from db-01's exit to mon-01 promoting ${nameOf(failover.to)}`,
      };
  }
  return undefined;
}

export const SURVIVES_CHOICES = ['Yes: the new primary has it', 'No: it is lost'];

/**
 * Whether the last write the old primary acknowledged before the latest promotion is on the promoted standby: it is
 * if it ends at or before the switchpoint, where the new timeline branched off the old one.
 */
export function writeSurvives({ events }: Pick<World, 'events'>) {
  const writes = storeEvents(events, 'store.write');
  for (const promotion of storeEvents(events, 'store.promote').reverse()) {
    const last = writes
      .filter((w) => w.node !== promotion.node && w.timeline === promotion.timeline - 1 && w.seq < promotion.seq)
      .at(-1);
    if (!last) continue;
    return last.lsn > promotion.lsn
      ? {
          value: SURVIVES_CHOICES[1],
          how: `${last.node} acknowledged ${last.key} at ${formatLsn(last.lsn)}; ${promotion.node}'s timeline ${promotion.timeline} begins at ${formatLsn(promotion.lsn)}, before it`,
        }
      : {
          value: SURVIVES_CHOICES[0],
          how: `${promotion.node} was promoted at ${formatLsn(promotion.lsn)}, with ${last.key} (${formatLsn(last.lsn)}) on it`,
        };
  }
  return undefined;
}

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
        'Run `infra kill db-01`, wait a few seconds, then look at `db status`.',
      ],
      solution: ['infra kill db-01', '# wait about 3 s for mon-01 to promote a standby'],
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
        "mon-01's next heartbeat tells it about timeline 2: it is fenced, discards its divergent tail (pg_rewind) and follows the new primary.",
        'After the failover, run `infra start db-01`; `db status` then shows whom it follows.',
      ],
      solution: ['infra kill db-01', 'infra start db-01 --in 6s', '# wait until db-01 has started'],
      check({ events }) {
        const fenced = storeEvents(events, 'store.fenced', 'db-01').find((e) => e.reason === 'newer-timeline');
        return {
          met: !!fenced,
          expected: 'db-01 back as a standby of the new primary',
          observed: fenced
            ? `db-01 was fenced and now follows ${nameOf(fenced.primary ?? null)}`
            : 'db-01 has not come back as a standby yet',
        };
      },
    },
    {
      id: 'write-after-failover',
      title: 'Write a key after the failover: the new primary takes it.',
      hints: [
        '`db set` finds the node that accepts writes by itself.',
        'After the failover, run `db set after failover`.',
      ],
      solution: ['infra kill db-01', '# wait about 3 s for mon-01 to promote a standby', 'db set after failover'],
      check({ events }) {
        const write = storeEvents(events, 'store.write').find((e) => e.timeline >= 2);
        return {
          met: !!write,
          expected: 'a write accepted on timeline 2 or later',
          observed: write
            ? `${write.node} took a write on timeline ${write.timeline}`
            : 'no write on a new timeline yet',
        };
      },
    },
    {
      id: 'lost-write',
      challenge: true,
      title: 'Make a failover lose an order that db-01 acknowledged.',
      hints: [
        'Under asynchronous replication (the default) db-01 answers a write as soon as it is on its own disk. The write is lost if db-01 dies before any standby has received it.',
        'Killing db-01 right after a write is not enough: it has already sent the record to both standbys, and mon-01 promotes the one that received the most. The record must not reach either of them.',
        '`infra cut A B` cuts the network between two nodes: nothing crosses it. Cut db-01 off from both standbys (not from mon-01), write, then kill db-01 and read the key after the failover.',
        'Run `infra cut db-01 db-02`, `infra cut db-01 db-03`, `db set order:42 paid`, `infra kill db-01`; after the failover, `db get order:42`.',
      ],
      solution: [
        'infra cut db-01 db-02',
        'infra cut db-01 db-03',
        'db set order:42 paid',
        'infra kill db-01',
        '# wait about 3 s for mon-01 to promote a standby',
        'db get order:42',
      ],
      check({ events }) {
        // A write is on the promoted node's timeline only if it ends at or before the switchpoint, where the node's
        // new timeline branched off the old one (store.promote's lsn): anything after it was never received there.
        const writes = storeEvents(events, 'store.write');
        const promotions = storeEvents(events, 'store.promote');
        for (const promotion of promotions) {
          const lost = writes.find(
            (w) =>
              w.timeline === promotion.timeline - 1 &&
              w.node !== promotion.node &&
              w.seq < promotion.seq &&
              w.lsn > promotion.lsn,
          );
          if (lost) {
            return {
              met: true,
              expected: 'a write acknowledged by the old primary, missing on the promoted standby',
              observed: `${lost.node} acknowledged ${lost.key} at ${formatLsn(lost.lsn)}; ${promotion.node} was promoted at ${formatLsn(promotion.lsn)} (timeline ${promotion.timeline}) without it: lost`,
            };
          }
        }
        const last = promotions.at(-1);
        const acked = writes.filter((w) => w.node === db1.name);
        return {
          met: false,
          expected: 'a write acknowledged by the old primary, missing on the promoted standby',
          observed: last
            ? `${last.node} was promoted at ${formatLsn(last.lsn)} with every write acknowledged before it`
            : `${plural(acked.length, 'write')} acknowledged by db-01; no standby promoted yet`,
        };
      },
    },
    {
      id: 'sync-loses-nothing',
      title:
        'Repeat the lost write in synchronous mode: the write no standby received must never be acknowledged, and is the only thing discarded when db-01 rejoins.',
      hints: [
        'In synchronous mode db-01 acknowledges a write only once a standby has flushed it, so cutting the standbys off leaves the write waiting instead of acknowledged.',
        'Do what lost the write before, after `db mode sync`. The write gets no answer; after the failover, heal the links and start db-01: it rejoins and discards what only it had (pg_rewind).',
        'Run `db mode sync`, `infra cut db-01 db-02`, `infra cut db-01 db-03`, `db set order:45 paid`, `infra kill db-01`; after the failover, `infra heal db-01 db-02`, `infra heal db-01 db-03` and `infra start db-01`.',
      ],
      solution: [
        'db mode sync',
        'infra cut db-01 db-02',
        'infra cut db-01 db-03',
        'db set order:45 paid',
        'infra kill db-01',
        '# wait about 3 s for mon-01 to promote a standby',
        'infra heal db-01 db-02',
        'infra heal db-01 db-03',
        'infra start db-01',
      ],
      check({ events }) {
        // What a rejoining old primary discards (store.rewind: its log after the fork) was never on the new
        // primary. Nothing is lost if none of it had been acknowledged.
        const writes = storeEvents(events, 'store.write');
        const rewinds = storeEvents(events, 'store.rewind').filter((r) => r.discarded_records > 0);
        const judged = rewinds.map((r) => ({
          r,
          acked: writes.filter((w) => w.node === r.node && w.seq < r.seq && w.lsn > r.diverged_at),
        }));
        const safe = judged.find((j) => j.acked.length === 0);
        const last = judged.at(-1);
        return {
          met: !!safe,
          expected: 'an old primary that rejoins and discards only writes it never acknowledged',
          observed: safe
            ? `${safe.r.node} discarded ${plural(safe.r.discarded_records, 'record')} after ${formatLsn(safe.r.diverged_at)}, none of them acknowledged: nothing acknowledged was lost`
            : last
              ? `${last.r.node} discarded acknowledged writes (${last.acked.map((w) => w.key).join(', ')}): lost`
              : 'no old primary has discarded a write it kept alone yet',
        };
      },
    },
    {
      id: 'planned-switchover',
      title:
        'Hand the primary role from db-01 to db-02 on purpose, for maintenance, after writing to db-01, without losing a single acknowledged write.',
      hints: [
        'A failover replaces a primary that is gone; a switchover hands the role over while both are up: the primary stops taking writes, the candidate receives everything it has, and only then is promoted.',
        '`db switchover` does what `patronictl switchover` does; `--candidate` names the standby that takes over.',
        'Run `db set order:44 paid`, then `db switchover --candidate db-02`, then `db get order:44`.',
      ],
      solution: ['db set order:44 paid', 'db switchover --candidate db-02', 'db get order:44'],
      check({ events }) {
        const handover = storeEvents(events, 'store.demote', db1.name).find(
          (d) => d.candidate === `${db2.address}:5432`,
        );
        // The promotion that completes the handover starts its timeline where db-01 stopped writing. Matched by
        // position, not by order: db-01's and db-02's events reach the stream through different pipes, and under
        // load db-02's can be read first.
        const promotion =
          handover && storeEvents(events, 'store.promote', db2.name).findLast((p) => p.lsn === handover.lsn);
        const acked = storeEvents(events, 'store.write', db1.name).filter((w) => w.timeline === 1);
        const lost = promotion ? acked.filter((w) => w.lsn > promotion.lsn) : [];
        return {
          met: !!promotion && acked.length > 0 && lost.length === 0,
          expected: 'db-02 promoted by a switchover from db-01, with every write db-01 acknowledged',
          observed: !promotion
            ? `${plural(acked.length, 'write')} acknowledged by db-01; ${handover ? 'db-01 handed over, db-02 not promoted yet' : 'no switchover to db-02 yet'}`
            : lost.length
              ? `db-02 was promoted at ${formatLsn(promotion.lsn)} without ${lost.map((w) => w.key).join(', ')}`
              : `db-02 is primary on timeline ${promotion.timeline} from ${formatLsn(promotion.lsn)}, with every write db-01 acknowledged (${acked.length})`,
        };
      },
    },
  ],
  predictions: [
    {
      id: 'failover-time',
      question: 'db-01 crashes. How many seconds pass before mon-01 promotes a standby?',
      kind: { type: 'number', unit: 's' },
      goal: 'automatic-failover',
      measure: failoverTime,
    },
    {
      id: 'write-survives',
      question:
        'Asynchronous replication, nothing else wrong: you write a key, db-01 answers INSERT 0 1, and you kill db-01 right after. Is the key on the standby mon-01 promotes?',
      kind: { type: 'choice', choices: SURVIVES_CHOICES },
      goal: 'lost-write',
      measure: writeSurvives,
    },
  ],
});
