import { afterEach, describe, expect, it } from 'vitest';
import { Cluster } from './cluster';
import { StoreClient, StoreError } from '../../../sandboxes/store/client';

let cluster: Cluster;
const clients: StoreClient[] = [];
const client = async (name: string) => {
  const c = new StoreClient(await cluster.address(name), 1000);
  clients.push(c);
  return c;
};
afterEach(async () => {
  clients.splice(0).forEach((c) => c.close());
  await cluster?.stopAll();
});

/** A primary, two standbys and a monitor with heartbeats every 200 ms. */
async function threeNodes(fencing: 'on' | 'off') {
  cluster = new Cluster();
  await cluster.primary('db-01');
  await Promise.all([cluster.standby('db-02', 'db-01'), cluster.standby('db-03', 'db-01')]);
  const nodes = await Promise.all(['db-01', 'db-02', 'db-03'].map(async (n) => `${n}=${await cluster.address(n)}`));
  await cluster.start(
    'mon-01',
    ['monitor', '--nodes', nodes.join(','), '--interval', '200', '--misses', '3', '--fencing', fencing],
    { ready: false },
  );
  await cluster.waitFor('mon-01', (e) => e.type === 'log' && e.text.startsWith('LOG:  primary is db-01'));
}

// Generous: these run many processes, and the machine may be busy.
describe('failover', { timeout: 60_000 }, () => {
  it('promotes the most advanced standby on a new timeline after misses × interval, and fences the old primary when it returns', async () => {
    await threeNodes('on');
    expect(cluster.logs('mon-01')).toContain(
      'LOG:  heartbeat every 200 ms; the primary is declared down after 3 missed heartbeats: detection time = 3 × 200 ms = 600 ms',
    );
    const old = await client('db-01');
    await old.set('before', 'failover');
    // The old primary holds a lease now, and remembers after a restart that it needs one.
    await cluster.waitFor(
      'db-01',
      (e) => e.type === 'log' && e.text === 'LOG:  lease from the failover monitor granted: accepting writes',
    );
    await cluster.kill('db-01');

    const failover = await cluster.waitFor('mon-01', (e) => e.type === 'store.failover');
    expect(failover).toMatchObject({ from: await cluster.address('db-01'), timeline: 2 });
    const promotedName =
      failover.type === 'store.failover' && failover.to === (await cluster.address('db-02')) ? 'db-02' : 'db-03';
    const promoted = await cluster.waitFor(promotedName, (e) => e.type === 'store.promote');
    expect(promoted).toMatchObject({ timeline: 2 });
    expect(cluster.logs(promotedName)).toEqual(
      expect.arrayContaining(['LOG:  received promote request', 'LOG:  selected new timeline ID: 2']),
    );
    const primary = await client(promotedName);
    expect((await primary.get('before')).value).toBe('failover');
    await primary.set('after', 'failover');

    // The old primary comes back with its old role in its control file: it refuses writes until the monitor
    // tells it about timeline 2, then rejoins as a standby of the new primary.
    await cluster.restart('db-01');
    const back = await client('db-01');
    const refused = await back.set('split', 'brain').catch((e: StoreError) => e);
    expect(refused).toBeInstanceOf(StoreError);
    expect((refused as StoreError).message).toBe('ERROR:  cannot execute INSERT in a read-only transaction');
    await cluster.waitFor('db-01', (e) => e.type === 'store.fenced' && e.reason === 'newer-timeline');
    expect((await back.get('after', { after: await primary.set('later', 'x'), waitMs: 3000 })).value).toBe('failover');
    expect((await back.status()).role).toBe('standby');
  });

  it("discards the old primary's divergent tail when it rejoins, as pg_rewind", async () => {
    cluster = new Cluster();
    await cluster.primary('db-01');
    await cluster.standby('db-02', 'db-01');
    const old = await client('db-01');
    const shared = await old.set('shared', 'yes');
    // The standby is promoted by hand, once it has replayed that write, while the old primary keeps accepting
    // writes (no monitor: split brain).
    const newer = await client('db-02');
    await newer.get('shared', { after: shared, waitMs: 5000 });
    expect(await newer.promote()).toBe(2);
    await old.set('only-on-old', 'lost');
    await newer.set('only-on-new', 'kept');
    // Told to rejoin, the old primary finds timeline 2 forked off before its end and rewinds its tail.
    await old.rejoin(await cluster.address('db-02'));
    await cluster.waitFor('db-01', (e) => e.type === 'log' && e.text === 'pg_rewind: Done!');
    expect(cluster.events('db-01').find((e) => e.type === 'store.rewind')).toMatchObject({ discarded_records: 1 });
    const logs = cluster.logs('db-01');
    expect(
      logs.some((l) =>
        /^LOG: {2}new timeline 2 forked off current database system timeline 1 before current recovery point 0\/[0-9A-F]+$/.test(
          l,
        ),
      ),
    ).toBe(true);
    expect(logs).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^pg_rewind: servers diverged at WAL location 0\/[0-9A-F]+ on timeline 1$/),
        'pg_rewind: Done!',
      ]),
    );
    const lsn = await newer.set('after-rejoin', 'streamed');
    expect((await old.get('after-rejoin', { after: lsn, waitMs: 3000 })).value).toBe('streamed');
    expect((await old.get('only-on-old')).value).toBeNull();
    expect((await old.get('only-on-new')).value).toBe('kept');
    expect((await old.get('shared')).value).toBe('yes');
  });
});

// Generous: these run many processes, and the machine may be busy.
describe('split brain', { timeout: 60_000 }, () => {
  it('without fencing, the old primary comes back accepting writes next to the new one, and the monitor reports it', async () => {
    await threeNodes('off');
    expect(cluster.logs('mon-01')).toContain(
      'LOG:  fencing off: a primary that comes back after a failover keeps accepting writes (split brain)',
    );
    await cluster.kill('db-01');
    const failover = await cluster.waitFor('mon-01', (e) => e.type === 'store.failover');
    const newPrimary = failover.type === 'store.failover' ? failover.to! : '';
    await cluster.restart('db-01');
    const old = await client('db-01');
    expect(await old.set('written-on', 'the old primary')).toMatch(/^0\//);
    const split = await cluster.waitFor('mon-01', (e) => e.type === 'store.split-brain');
    expect(split).toMatchObject({ primaries: expect.arrayContaining([await cluster.address('db-01'), newPrimary]) });
    expect(cluster.logs('mon-01').some((l) => l.startsWith('WARNING:  split brain: 2 nodes accept writes'))).toBe(true);
  });
});
