// A planned switchover (`db switchover`, patronictl's), with the real supervisor, store processes and shell: the
// primary role moves to a caught-up standby and every write acknowledged before it is still there after it, on
// every node; a switchover with nothing safe to hand over to is refused and changes nothing.
import { afterEach, describe, expect, it } from 'vitest';
import { StoreClient, StoreError } from '../../../sandboxes/store/client';
import { SupervisorRun } from '../../support/supervisor';
import { ShellSession } from '../../support/terminal';

let run: SupervisorRun | undefined;
let shell: ShellSession | undefined;
const clients: StoreClient[] = [];
afterEach(async () => {
  clients.splice(0).forEach((c) => c.close());
  await shell?.close();
  await run?.stop();
  shell = run = undefined;
});

const ADDRESS: Record<string, string> = {
  'db-01': '10.0.0.21:5432',
  'db-02': '10.0.0.22:5432',
  'db-03': '10.0.0.23:5432',
};
const client = (node: string) => {
  const c = new StoreClient(ADDRESS[node], 3000);
  clients.push(c);
  return c;
};

async function start(scenario = 'replication'): Promise<{ run: SupervisorRun; shell: ShellSession }> {
  run = await SupervisorRun.start(scenario);
  await run.waitFor((e) => e.type === 'store.ready' && e.node === 'db-03', 40_000);
  shell = new ShellSession(run.folder, { columns: 200 });
  await shell.waitForPrompt(1);
  return { run, shell };
}

/** Writes key n, n+1, ... to db-01 one after another until it stops taking them; returns what it acknowledged. */
function writeUntilRefused(acknowledged: Map<string, string>): { stop(): void; done: Promise<StoreError | undefined> } {
  let stopped = false;
  const db1 = client('db-01');
  const done = (async () => {
    for (let n = 0; !stopped; n++) {
      try {
        await db1.set(`order:${n}`, `paid-${n}`);
        acknowledged.set(`order:${n}`, `paid-${n}`);
      } catch (error) {
        if (error instanceof StoreError) return error;
        throw error;
      }
    }
    return undefined;
  })();
  return { stop: () => (stopped = true), done };
}

/** Every acknowledged key, read on `node` once it has replayed up to `lsn`. */
async function missingOn(node: string, acknowledged: Map<string, string>, lsn: string): Promise<string[]> {
  const db = client(node);
  const missing: string[] = [];
  for (const [key, value] of acknowledged) {
    const read = await db.get(key, { after: lsn, waitMs: 5000 });
    if (read.value !== value) missing.push(`${key}=${read.value}`);
  }
  return missing;
}

describe('a planned switchover', { timeout: 120_000 }, () => {
  it.each(['async', 'sync'])(
    'hands the primary role to the chosen standby while writes flow, and loses no acknowledged write (%s)',
    async (mode) => {
      const { run, shell } = await start();
      if (mode === 'sync') expect(await shell.command('db mode sync')).toMatch(/^ALTER SYSTEM {2}-- mode = 'sync'/);
      const acknowledged = new Map<string, string>();
      const writer = writeUntilRefused(acknowledged);
      // Let some writes through first, so the standbys have a log to follow.
      while (acknowledged.size < 50) await new Promise((resolve) => setTimeout(resolve, 20));

      const output = await shell.command('db switchover --candidate db-02', 30_000);
      writer.stop();
      const refusal = await writer.done;

      expect(output).toMatch(
        /^Switching over from db-01 \(primary at 0\/[0-9A-F]+\) to db-02 \(flushed up to 0\/[0-9A-F]+\)$/m,
      );
      expect(output).toMatch(/^db-01 stopped taking writes; db-02 has flushed its whole log, up to (0\/[0-9A-F]+)$/m);
      expect(output).toMatch(/^waiting for server to promote\.\.\.\. done$/m);
      expect(output).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} Successfully switched over to "db-02"$/m);
      expect(output).toMatch(/^db-02 +10\.0\.0\.22:5432 +primary +2 /m);
      expect(output).toMatch(/^db-01 +10\.0\.0\.21:5432 +standby +\d+ /m);
      // The writer met the hand-over: db-01 refused its next write as a standby, pointing at the new primary; or,
      // in sync mode, a commit still waiting for a standby other than db-02 when db-01 stepped down was ended
      // unacknowledged (57P01), as PostgreSQL ends it at shutdown.
      if (refusal?.sqlstate === '57P01') expect(mode).toBe('sync');
      else {
        expect(refusal?.readOnly, refusal?.text).toBe(true);
        expect(refusal?.hint ?? '').toMatch(
          /handing over to 10\.0\.0\.22:5432 \(switchover\)|This server is a standby/,
        );
      }

      // The last position db-01 wrote is where db-02's timeline 2 begins: every acknowledged write is on db-02, and
      // db-01 and db-03, now streaming from db-02, replay all of them too. Nothing was rewound.
      const end = /up to (0\/[0-9A-F]+)$/m.exec(output.split('\n').find((l) => l.startsWith('db-01 stopped'))!)![1];
      for (const node of ['db-02', 'db-01', 'db-03'])
        expect(await missingOn(node, acknowledged, end), node).toEqual([]);
      expect(run.events.some((e) => e.type === 'store.rewind')).toBe(false);
      expect(run.events.find((e) => e.type === 'store.demote')).toMatchObject({
        node: 'db-01',
        candidate: '10.0.0.22:5432',
      });

      // And the new primary takes writes, which reach the old primary and the other standby, both repointed to it.
      expect(output).toMatch(/^db-02 is the primary on timeline 2; db-01, db-03 follow it, with nothing to rewind$/m);
      const lsn = await client('db-02').set('after', 'switchover');
      for (const node of ['db-01', 'db-03'])
        expect((await client(node).get('after', { after: lsn, waitMs: 5000 })).value, node).toBe('switchover');
    },
  );

  it('under a failover monitor with fencing, is followed by the monitor, and triggers no failover', async () => {
    const { run, shell } = await start('failover');
    await run.waitFor((e) => e.type === 'log' && /^LOG: {2}primary is \S+ .*\(found\)$/.test(e.text), 20_000);
    const lsn = await client('db-01').set('cart', 'two books');
    const output = await shell.command('db switchover --candidate db-02', 30_000);
    expect(output).toMatch(/Successfully switched over to "db-02"/);
    // Promoted by hand on a newer timeline, db-02 is the primary the monitor follows; once its lease comes, it
    // takes writes, and the acknowledged one from before is there.
    await run.waitFor(
      (e) =>
        e.node === 'mon-01' &&
        e.type === 'log' &&
        /^LOG: {2}primary is db-02 .* on timeline 2 \(promoted outside the monitor\)$/.test(e.text),
      20_000,
    );
    await run.waitFor(
      (e) =>
        e.node === 'db-02' &&
        e.type === 'log' &&
        e.text === 'LOG:  lease from the failover monitor granted: accepting writes',
      20_000,
    );
    expect(await shell.command('db set after switchover', 20_000)).toMatch(
      /^INSERT 0 1 {2}-- on db-02, commit lsn 0\/[0-9A-F]+$/,
    );
    expect((await client('db-02').get('cart', { after: lsn })).value).toBe('two books');
    // No failover: db-02's promotion was the only one, and db-01 was not fenced by the monitor.
    expect(run.events.filter((e) => e.type === 'store.promote').map((e) => e.node)).toEqual(['db-02']);
    expect(
      run.events.some((e) => e.type === 'store.fenced' && e.node === 'db-01' && e.reason === 'lease-expired'),
    ).toBe(false);
    expect(await shell.command('db status')).toMatch(/db-01 +10\.0\.0\.21:5432 +standby +2 /);
  });

  it('is refused, changing nothing, when the standby is not answering or not streaming', async () => {
    const { run, shell } = await start();
    await shell.command('db set before switchover');

    await run.command({ cmd: 'freeze', node: 'db-02' });
    expect(await shell.command('db switchover --candidate db-02', 30_000)).toMatch(
      /^db switchover: Switchover failed, details: 412, switchover is not possible: no good candidates have been found \(db-02 is not answering \(.+\)\)$/,
    );
    await run.command({ cmd: 'resume', node: 'db-02' });

    // db-03 cut off from db-01 and a write after the cut: db-03 is behind and cannot confirm it has everything.
    await run.command({ cmd: 'cut', a: 'db-01', b: 'db-03' });
    await shell.command('db set during cut');
    const cut = await shell.command('db switchover --candidate db-03', 30_000);
    // Whether the primary still lists db-03 as streaming (a cut drops messages, it does not close sockets) or not,
    // the switchover stops before anything changed.
    expect(cut).toMatch(
      /^db switchover: Switchover failed, details: (412, switchover is not possible: no good candidates have been found \(db-03 .+\)|ERROR: {2}switchover cancelled: 10\.0\.0\.23:5432 did not confirm flushing the log up to 0\/[0-9A-F]+ within 5000 ms\nDETAIL: {2}This server stays the primary and accepts writes again\.)$/m,
    );
    await run.command({ cmd: 'heal', a: 'db-01', b: 'db-03' });

    expect(await shell.command('db switchover --candidate db-09')).toMatch(
      /^db switchover: no database node named 'db-09'/,
    );
    expect(await shell.command('db switchover --leader db-02')).toBe(
      'db switchover: Switchover failed, details: 412, leader name does not match: the primary is db-01',
    );
    expect(await shell.command('db switchover db-02')).toBe('usage: db switchover [--candidate NODE]');

    // db-01 is still the primary on timeline 1 and takes writes.
    expect(await shell.command('db set still primary')).toMatch(/^INSERT 0 1 {2}-- on db-01, commit lsn 0\/[0-9A-F]+$/);
    expect(run.events.some((e) => e.type === 'store.promote')).toBe(false);
  });
});
