// A primary that stops being primary must never acknowledge a write it was still waiting on: the minimal
// reproduction (issue 12, item 10), with the store's own protocol. Before the fix, the waiting commit survived the
// rejoin and its rewind, was released by the node's next promotion, and put a value in the table that no WAL had.
import { afterEach, describe, expect, it } from 'vitest';
import { Cluster, raw, sleep } from './cluster';
import { StoreClient, StoreError } from '../../../sandboxes/store/client';

let cluster: Cluster;
const clients: StoreClient[] = [];
const client = async (name: string) => {
  const c = new StoreClient(await cluster.address(name), 5000);
  clients.push(c);
  return c;
};
afterEach(async () => {
  clients.splice(0).forEach((c) => c.close());
  await cluster?.stopAll();
});

async function until(test: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!(await test().catch(() => false))) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('a demoted primary', { timeout: 60_000 }, () => {
  it('fails a commit still waiting when it rejoins, and no node ever serves the discarded value', async () => {
    cluster = new Cluster();
    await cluster.primary('db-01', ['--mode', 'sync']);
    await cluster.standby('db-02', 'db-01', ['--mode', 'sync']);
    const db01 = await client('db-01');
    await db01.set('before', 'ok');
    await cluster.kill('db-02');

    // The sync primary has no standby: this commit waits.
    const waiting = new StoreClient(await cluster.address('db-01'), 60_000);
    clients.push(waiting);
    const outcome = waiting.set('lost', 'x').then(
      (lsn) => ({ acknowledged: lsn }),
      (error: StoreError) => ({ failed: error.message }),
    );
    await until(async () => (await db01.status()).waiting_commits === 1, 'the commit to wait');

    cluster.nodes.get('db-01')!.child.kill('SIGSTOP');
    await cluster.restart('db-02');
    const db02 = await client('db-02');
    await db02.promote();
    cluster.nodes.get('db-01')!.child.kill('SIGCONT');

    await db01.rejoin(await cluster.address('db-02'));
    // Terminated as PostgreSQL terminates the sessions of a server that is shut down or demoted.
    const settled = await Promise.race([outcome, sleep(5000).then(() => ({ still: 'waiting 5 s after the rejoin' }))]);
    expect(settled).toEqual({ failed: 'FATAL:  terminating connection due to administrator command' });
    await cluster.waitFor('db-01', (e) => e.type === 'store.rewind');
    await db02.set('after', 'y');

    await db01.promote();
    await db02.rejoin(await cluster.address('db-01'));
    await until(async () => (await db02.status()).wal_receiver?.status === 'streaming', 'db-02 to stream from db-01');
    await until(async () => (await db02.get('after')).value === 'y', 'db-02 to replay');

    expect((await db01.get('lost')).value).toBeNull();
    expect((await db02.get('lost')).value).toBeNull();
    expect((await db01.get('before')).value).toBe('ok');
    const s1 = await db01.status();
    const s2 = await db02.status();
    expect(s2.replay_lsn).toBe(s1.flush_lsn);

    await cluster.kill('db-01', 'SIGTERM');
    await cluster.restart('db-01');
    expect((await (await client('db-01')).get('lost')).value).toBeNull();
  });
});

/** Sends one request line as the monitor would and returns the reply. */
const ask = async (address: string, request: object) =>
  JSON.parse((await raw(address, [JSON.stringify({ id: 1, ...request })]))[0]) as Record<string, unknown>;

describe('the lease', { timeout: 30_000 }, () => {
  it('runs from when the monitor sent the heartbeat: one sent longer ago than the lease grants nothing', async () => {
    cluster = new Cluster();
    await cluster.primary('db-01');
    const address = await cluster.address('db-01');
    const heartbeat = (sent_at: number) =>
      ask(address, { op: 'heartbeat', primary: address, timeline: 1, fencing: true, lease_ms: 2000, sent_at });

    // As if read from the socket of a process frozen for 5 s: older than its 2 s lease.
    expect(await heartbeat(Date.now() - 5000)).toMatchObject({ ok: true, fenced: true });
    await cluster.waitFor(
      'db-01',
      (e) =>
        e.type === 'log' &&
        /^LOG: {2}ignoring a heartbeat sent \d+ ms ago: older than the lease \(2000 ms\), it grants nothing$/.test(
          e.text,
        ),
    );
    const db01 = await client('db-01');
    expect(((await db01.set('k', 'v').catch((e: StoreError) => e)) as StoreError).message).toBe(
      'ERROR:  cannot execute INSERT in a read-only transaction',
    );

    expect(await heartbeat(Date.now())).toMatchObject({ ok: true, fenced: false });
    expect(await db01.set('k', 'v')).toMatch(/^0\//);
    // And it runs out on its own: 2 s after that heartbeat was sent.
    await sleep(2100);
    expect((await db01.status()).fenced).toBe(true);
  });
});
