import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';
import { Cluster, raw, sleep } from './cluster';
import { freePort } from '../../support/ports';
import { setLinkCut } from '../../../sandboxes/network/net';
import { StoreClient, StoreError } from '../../../sandboxes/store/client';
import { StoreRouter } from '../../../sandboxes/store/router';
import { constrainedEnv } from '../../../src/runtime/local/constraints';

let cluster: Cluster;
const clients: { close(): void }[] = [];
const client = async (name: string) => {
  const c = new StoreClient(await cluster.address(name));
  clients.push(c);
  return c;
};
afterEach(async () => {
  clients.splice(0).forEach((c) => c.close());
  await cluster?.stopAll();
});

/** Writes a=1 then b=2 on db-01, stops it cleanly, rewrites its log with `damage`, and restarts it. */
async function restartWithLog(damage: (wal: Buffer, first: string) => Buffer): Promise<{ wal: Buffer; first: string }> {
  cluster = new Cluster();
  await cluster.primary('db-01');
  const c = await client('db-01');
  const first = await c.set('a', '1');
  await c.set('b', '2');
  c.close();
  await cluster.kill('db-01', 'SIGTERM');
  const path = join(cluster.dir, 'data/db-01/wal.log');
  const wal = readFileSync(path);
  writeFileSync(path, damage(wal, first));
  await cluster.restart('db-01');
  return { wal, first };
}

async function expectOnlyFirstWrite(): Promise<void> {
  const after = await client('db-01');
  expect((await after.get('a')).value).toBe('1');
  expect((await after.get('b')).value).toBeNull();
}

describe('a primary with a standby', () => {
  it("streams every write to the standby, which serves reads and refuses writes with PostgreSQL's error", async () => {
    cluster = new Cluster();
    await cluster.primary('db-01');
    await cluster.standby('db-02', 'db-01');
    const primary = await client('db-01');
    const standby = await client('db-02');
    const lsn = await primary.set('user:1', 'alice');
    expect(lsn).toMatch(/^0\/[0-9A-F]+$/);
    expect((await standby.get('user:1', { after: lsn, waitMs: 3000 })).value).toBe('alice');

    const refused = await standby.set('user:2', 'bob').catch((e: StoreError) => e);
    expect(refused).toBeInstanceOf(StoreError);
    expect((refused as StoreError).message).toBe('ERROR:  cannot execute INSERT in a read-only transaction');
    expect((refused as StoreError).sqlstate).toBe('25006');
    expect(((await standby.del('user:1').catch((e) => e)) as StoreError).message).toBe(
      'ERROR:  cannot execute DELETE in a read-only transaction',
    );

    const status = await primary.status();
    expect(status.role).toBe('primary');
    expect(status.replication).toHaveLength(1);
    expect(status.replication[0]).toMatchObject({
      application_name: 'db-02',
      state: 'streaming',
      replay_lsn: lsn,
      sync_state: 'async',
    });
    expect((await standby.status()).in_recovery).toBe(true);
    expect(cluster.logs('db-02')).toContain('LOG:  started streaming WAL from primary at 0/0 on timeline 1');
  });

  it('answers malformed requests and oversized values with clear errors, and keeps serving', async () => {
    cluster = new Cluster();
    await cluster.primary('db-01', ['--max-value-bytes', '10']);
    const replies = (
      await raw(await cluster.address('db-01'), [
        'not json',
        '{"id":1,"op":"frobnicate"}',
        '{"id":2,"op":"set","key":"k","value":"far too long a value"}',
        '{"id":3,"op":"set","key":"","value":"x"}',
        '{"id":4,"op":"set","key":"k","value":"ok"}',
      ])
    ).map((l) => JSON.parse(l));
    expect(replies[0].error).toMatch(/^ERROR: {2}syntax error: expected one JSON object per line/);
    expect(replies[1].error).toMatch(/^ERROR: {2}unknown op "frobnicate": expected get, set, del/);
    expect(replies[2].error).toBe('ERROR:  value too long: 20 bytes, the limit is 10 (store --max-value-bytes)');
    expect(replies[3].error).toMatch(/invalid key "": expected a non-empty string/);
    expect(replies[4]).toMatchObject({ id: 4, ok: true });
  });

  it('keeps every acknowledged write through kill -9 in the middle of a write burst', async () => {
    cluster = new Cluster();
    await cluster.primary('db-01');
    const primary = await client('db-01');
    const acked: string[] = [];
    let n = 0;
    // Eight writers, each sending its next write as soon as the previous one is acknowledged, until the kill.
    const writer = async () => {
      for (;;) {
        const key = `k${n++}`;
        try {
          await primary.set(key, `v${key.slice(1)}`);
          acked.push(key);
        } catch {
          return;
        }
      }
    };
    const writers = Array.from({ length: 8 }, writer);
    while (acked.length < 200) await sleep(5);
    await cluster.kill('db-01');
    await Promise.all(writers);
    await cluster.restart('db-01');
    expect(cluster.logs('db-01')).toContain(
      'LOG:  database system was not properly shut down; automatic recovery in progress',
    );
    const after = await client('db-01');
    for (const key of acked) expect((await after.get(key)).value).toBe(`v${key.slice(1)}`);
    expect(acked.length).toBeGreaterThan(0);
  });

  it('detects a flipped byte in the log at restart, stops redo there, keeps the damaged tail aside and never applies it', async () => {
    cluster = new Cluster();
    await cluster.primary('db-01');
    const c = await client('db-01');
    for (const key of ['a', 'b', 'c']) await c.set(key, `value-${key}`);
    c.close();
    // A crash: no shutdown checkpoint, so redo reads the whole log.
    await cluster.kill('db-01');
    const path = join(cluster.dir, 'data/db-01/wal.log');
    const wal = readFileSync(path);
    const second = wal.indexOf('value-b');
    wal[second] = 'V'.charCodeAt(0);
    writeFileSync(path, wal);
    await cluster.restart('db-01');
    const truncated = await cluster.waitFor('db-01', (e) => e.type === 'store.wal-truncated');
    const secondRecord = wal.lastIndexOf('\n', second) + 1;
    const kept = `wal.damaged-0-${secondRecord.toString(16).toUpperCase()}`;
    expect(truncated).toMatchObject({ at: secondRecord, discarded_bytes: wal.length - secondRecord, kept });
    expect(
      cluster.logs('db-01').some((l) => l.startsWith('LOG:  incorrect resource manager data checksum in record at 0/')),
    ).toBe(true);
    expect(readFileSync(join(cluster.dir, 'data/db-01', kept))).toEqual(wal.subarray(secondRecord));
    const after = await client('db-01');
    expect((await after.get('a')).value).toBe('value-a');
    expect((await after.get('b')).value).toBeNull();
    expect((await after.get('c')).value).toBeNull();
    expect(readFileSync(path).length).toBe(secondRecord);
    // The log goes on from the cut: new writes land right after the last valid record.
    expect(await after.set('d', 'value-d')).not.toBe('0/0');
  });

  it('detects a torn tail (a record cut short) at restart and truncates it', async () => {
    await restartWithLog((wal) => wal.subarray(0, wal.length - 10));
    expect(
      cluster
        .logs('db-01')
        .some((l) => /^LOG: {2}invalid record length at 0\/[0-9A-F]+: expected a complete record/.test(l)),
    ).toBe(true);
    await expectOnlyFirstWrite();
  });

  it('reports a log cut exactly at a record boundary before the checkpoint the control file records', async () => {
    const { wal, first } = await restartWithLog((wal, first) => wal.subarray(0, parseInt(first.split('/')[1], 16)));
    const boundary = parseInt(first.split('/')[1], 16);
    const truncated = await cluster.waitFor('db-01', (e) => e.type === 'store.wal-truncated');
    expect(truncated).toMatchObject({ at: boundary, missing_bytes: wal.length - boundary });
    expect(cluster.logs('db-01')).toContain(
      `WARNING:  the write-ahead log ends at ${first}, before the latest checkpoint location in the control file (0/${wal.length.toString(16).toUpperCase()}): ${wal.length - boundary} bytes of it are missing; writes acknowledged in them are lost on this node`,
    );
    await expectOnlyFirstWrite();
  });

  it('refuses to start on a control file with an unknown role, and changes nothing', async () => {
    cluster = new Cluster();
    await cluster.primary('db-01');
    await cluster.kill('db-01', 'SIGTERM');
    const path = join(cluster.dir, 'data/db-01/control.json');
    const bad = readFileSync(path, 'utf8').replace('"role": "primary"', '"role": "boss"');
    writeFileSync(path, bad);
    const wal = readFileSync(join(cluster.dir, 'data/db-01/wal.log'));
    const node = await cluster.start('db-01', cluster.nodes.get('db-01')!.child.spawnargs.slice(2), { ready: false });
    const code = await new Promise((resolve) => node.child.once('exit', resolve));
    expect(code).toBe(1);
    expect(node.stderr()).toContain('FATAL:  invalid data in control file');
    expect(node.stderr()).toContain('role "boss" (expected "primary" or "standby")');
    expect(readFileSync(path, 'utf8')).toBe(bad);
    expect(readFileSync(join(cluster.dir, 'data/db-01/wal.log'))).toEqual(wal);
  });

  it('restarts from its latest checkpoint, replaying only the log after it', async () => {
    cluster = new Cluster();
    writeFileSync(join(cluster.dir, 'store.conf'), 'max_wal_size = 4kB\n');
    await cluster.primary('db-01', ['--config', 'store.conf']);
    const c = await client('db-01');
    for (let i = 0; i < 100; i++) await c.set(`k${i}`, `value ${i}`);
    await cluster.kill('db-01');
    await cluster.restart('db-01');
    const redo = cluster.logs('db-01').find((l) => l.startsWith('LOG:  redo starts at'));
    expect(redo).toMatch(/^LOG: {2}redo starts at 0\/[0-9A-F]+ \(the latest checkpoint\)$/);
    expect(redo).not.toContain('at 0/0 ');
    const after = await client('db-01');
    for (const i of [0, 50, 99]) expect((await after.get(`k${i}`)).value).toBe(`value ${i}`);
    expect((await after.status()).keys).toBe(100);
  });
});

describe('reading from a lagging standby', () => {
  it('is stale without read-your-writes, and sees the write with either read-your-writes option', async () => {
    cluster = new Cluster();
    await cluster.primary('db-01');
    await cluster.standby('db-02', 'db-01', ['--recovery-min-apply-delay', '400']);
    const nodes = [await cluster.address('db-01'), await cluster.address('db-02')];
    const router = new StoreRouter(nodes, { readYourWrites: 'off' });
    clients.push(router);
    await router.findPrimary();

    await router.write('cart', 'one book', 'alice');
    const stale = await router.read('cart', 'alice');
    expect(stale).toMatchObject({ value: null, node: nodes[1] });

    router.options.readYourWrites = 'wait';
    await router.write('cart', 'two books', 'alice');
    expect(await router.read('cart', 'alice')).toMatchObject({ value: 'two books', node: nodes[1] });

    router.options.readYourWrites = 'primary';
    await router.write('cart', 'three books', 'alice');
    expect(await router.read('cart', 'alice')).toMatchObject({ value: 'three books', node: nodes[0] });
    // Another session, with no write of its own, still reads the standby.
    expect((await router.read('cart', 'bob')).node).toBe(nodes[1]);
  });
});

describe('a rewind with checkpoints', () => {
  it(
    'starts from the last checkpoint before the fork, drops the checkpoints after it, and keeps nothing of the discarded tail, even after a crash',
    { timeout: 60_000 },
    async () => {
      cluster = new Cluster();
      writeFileSync(join(cluster.dir, 'store.conf'), 'max_wal_size = 4kB\n');
      const config = ['--config', 'store.conf'];
      await cluster.primary('db-01', config);
      await cluster.standby('db-02', 'db-01', config);
      const db01 = await client('db-01');
      const db02 = await client('db-02');
      let last = '';
      for (let i = 0; i < 100; i++) last = await db01.set(`common-${i}`, `value ${i}`);
      expect((await db02.get('common-99', { after: last, waitMs: 5000 })).value).toBe('value 99');
      await cluster.kill('db-02');
      // Enough to cross a checkpoint (every 4 kB) on db-01 that db-02 never sees; the one before it is kept.
      for (let i = 0; i < 45; i++) await db01.set(`diverged-${i}`, 'lost on rewind');
      await cluster.kill('db-01');
      await cluster.restart('db-02');
      await db02.promote();
      await db02.set('new', 'timeline 2');
      await cluster.restart('db-01');
      await db01.rejoin(await cluster.address('db-02'));
      await cluster.waitFor('db-01', (e) => e.type === 'store.rewind');
      expect(
        cluster
          .logs('db-01')
          .some((l) => /^pg_rewind: rewinding from last common checkpoint at 0\/[0-9A-F]+ on timeline 1$/.test(l)),
      ).toBe(true);
      for (let i = 0; (await db01.get('new')).value !== 'timeline 2'; i++) {
        expect(i).toBeLessThan(500);
        await sleep(20);
      }
      const check = async () => {
        expect((await db01.get('diverged-0')).value).toBeNull();
        expect((await db01.get('diverged-44')).value).toBeNull();
        expect((await db01.get('common-0')).value).toBe('value 0');
        expect((await db01.get('common-99')).value).toBe('value 99');
        expect((await db01.status()).keys).toBe((await db02.status()).keys);
      };
      await check();
      await cluster.kill('db-01');
      await cluster.restart('db-01');
      await check();
    },
  );
});

describe('a runtime without fdatasync (a WebContainer, emulated by the bridge)', () => {
  it(
    'carries on, says so once, and still keeps what it acknowledged through a kill -9',
    { timeout: 30_000 },
    async () => {
      cluster = new Cluster();
      const env = { NODE_OPTIONS: constrainedEnv({}).NODE_OPTIONS };
      await cluster.start('db-01', ['primary', '--listen', `:${await cluster.port('db-01')}`, '--name', 'db-01'], {
        env,
      });
      const c = await client('db-01');
      for (let i = 0; i < 20; i++) await c.set(`k${i}`, `v${i}`);
      await cluster.waitFor(
        'db-01',
        (e) => e.type === 'log' && e.text.startsWith('WARNING:  fdatasync is not available in this runtime'),
      );
      expect(cluster.logs('db-01').filter((l) => l.startsWith('WARNING:  fdatasync'))).toHaveLength(1);
      await cluster.kill('db-01');
      await cluster.start('db-01', ['primary', '--listen', `:${await cluster.port('db-01')}`, '--name', 'db-01'], {
        env,
      });
      expect((await c.get('k19')).value).toBe('v19');
    },
  );
});

describe('a read waiting for replay', () => {
  it('is forgotten when its client goes away, even with a timeout of years', async () => {
    cluster = new Cluster();
    await cluster.primary('db-01');
    const status = await client('db-01');
    const [host, port] = (await cluster.address('db-01')).split(':');
    const socket = net.connect(Number(port), host);
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(JSON.stringify({ id: 1, op: 'get', key: 'k', after: '0/FFFFFF', timeout_ms: 1e12 }) + '\n');
    for (let i = 0; (await status.status()).waiting_reads !== 1; i++) {
      expect(i).toBeLessThan(200);
      await sleep(10);
    }
    socket.destroy();
    for (let i = 0; (await status.status()).waiting_reads !== 0; i++) {
      expect(i).toBeLessThan(200);
      await sleep(10);
    }
  });
});

describe('metrics', () => {
  it("exports postgres_exporter's replication metrics: the standby's lag in seconds, the primary's lag in bytes", async () => {
    cluster = new Cluster();
    const [primaryMetrics, standbyMetrics] = [await freePort(), await freePort()];
    await cluster.primary('db-01', ['--metrics', `:${primaryMetrics}`]);
    // The write waits 10 s on the standby before replay: longer than a loaded machine may pause between the write
    // and the scrapes below, which must all see it not yet replayed.
    await cluster.standby('db-02', 'db-01', ['--recovery-min-apply-delay', '10000', '--metrics', `:${standbyMetrics}`]);
    await (await client('db-01')).set('k', 'v');
    const scrape = async (port: number) => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const lag = (text: string) => Number(/^pg_replication_lag_seconds (\S+)$/m.exec(text)?.[1]);
    let standby = await scrape(standbyMetrics);
    for (let i = 0; i < 20 && !(lag(standby) > 0); i++) standby = await sleep(50).then(() => scrape(standbyMetrics));
    expect(standby).toMatch(/^pg_replication_is_replica 1$/m);
    // Meanwhile the write's age is the lag.
    expect(lag(standby)).toBeGreaterThan(0);
    expect(lag(standby)).toBeLessThan(10);
    const primary = await scrape(primaryMetrics);
    expect(primary).toMatch(/^pg_up 1$/m);
    expect(primary).toMatch(/^pg_replication_is_replica 0$/m);
    expect(primary).toMatch(
      /^pg_stat_replication_pg_wal_lsn_diff\{application_name="db-02",client_addr="[^"]+",state="streaming"\} [1-9]\d*$/m,
    );
  });
});

describe('a partition between primary and standby', () => {
  afterEach(() => {
    delete process.env.SANDBOX_NET;
    delete process.env.SANDBOX_ADDR;
  });

  it('stops the stream while the link is cut, and the standby catches up once it heals', async () => {
    cluster = new Cluster({ network: true });
    process.env.SANDBOX_NET = cluster.net;
    process.env.SANDBOX_ADDR = '203.0.113.10';
    await cluster.primary('db-01');
    await cluster.standby('db-02', 'db-01');
    const primary = await client('db-01');
    const standby = await client('db-02');
    await standby.get('x', { after: await primary.set('before', 'cut'), waitMs: 5000 });

    setLinkCut('10.0.0.21', '10.0.0.22', true);
    await primary.set('during', 'cut');
    await sleep(300);
    expect((await standby.get('during')).value).toBeNull();

    setLinkCut('10.0.0.21', '10.0.0.22', false);
    const after = await primary.set('after', 'heal');
    expect((await standby.get('during', { after, waitMs: 8000 })).value).toBe('cut');
    // The standby saw a gap in its stream after the heal, dropped the connection and caught up from its flush_lsn.
    expect(cluster.logs('db-02').some((l) => l.startsWith('FATAL:  received WAL at 0/'))).toBe(true);
  });
});
