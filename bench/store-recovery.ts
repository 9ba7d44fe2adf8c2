// Store recovery benchmark: how long a node with ~22 MB of write-ahead log takes from start to ready (its first
// start, then a restart after kill -9 with a checkpoint in place), and how long an old primary takes to rejoin when
// pg_rewind discards a short divergent tail. Prints figures; asserts nothing.
// Run: npm run bench:store-recovery   (WAL_MB=22 by default). It runs the bundle sandboxes/dist/store.js of its
// working directory, so running it from a folder holding another build compares two versions.
import { cpSync, mkdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster, sleep } from '../tests/sandboxes/store/cluster';
import { StoreClient } from '../sandboxes/store/client';
import { encodeRecord } from '../sandboxes/store/wal';

const MB = Number(process.env.WAL_MB ?? 22);

/** A log of ~MB megabytes of 200-byte values on timeline 1, and a control file of a primary that crashed. */
function generate(dir: string): number {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'wal.log');
  writeFileSync(path, '');
  let lsn = 0;
  const batch: Buffer[] = [];
  for (let i = 0; lsn < MB * 1024 * 1024; i++) {
    const bytes = encodeRecord({
      lsn,
      tli: 1,
      ts: Date.now(),
      op: 'set',
      key: `key-${i % 50_000}`,
      value: `${i}`.padEnd(200, '.'),
    });
    batch.push(bytes);
    lsn += bytes.length;
    if (batch.length === 1000) appendFileSync(path, Buffer.concat(batch.splice(0)));
  }
  appendFileSync(path, Buffer.concat(batch));
  writeFileSync(
    join(dir, 'control.json'),
    JSON.stringify({ role: 'primary', timeline: 1, history: [], state: 'in production', leased: false }),
  );
  return lsn;
}

const timed = async (what: () => Promise<unknown>) => {
  const started = Date.now();
  await what();
  return Date.now() - started;
};

const cluster = new Cluster();
try {
  const size = generate(join(cluster.dir, 'data/db-01'));
  console.log(`write-ahead log: ${(size / 1024 / 1024).toFixed(1)} MB`);
  console.log(`first start (redo of the whole log): ${await timed(() => cluster.primary('db-01'))} ms`);
  const db01 = new StoreClient(await cluster.address('db-01'));
  for (let i = 0; i < 100; i++) await db01.set(`after-${i}`, 'x');
  await cluster.kill('db-01');
  console.log(`restart after kill -9: ${await timed(() => cluster.restart('db-01'))} ms`);
  if (process.env.VERBOSE) console.log(cluster.logs('db-01').join('\n'));

  // Two nodes with the same log; db-01 then writes a tail db-02 never gets, and db-02 is promoted.
  await cluster.kill('db-01', 'SIGTERM');
  cpSync(join(cluster.dir, 'data/db-01'), join(cluster.dir, 'data/db-02'), { recursive: true });
  const control = JSON.parse(readFileSync(join(cluster.dir, 'data/db-02/control.json'), 'utf8'));
  writeFileSync(
    join(cluster.dir, 'data/db-02/control.json'),
    JSON.stringify({ ...control, role: 'standby', primary_conninfo: await cluster.address('db-01') }),
  );
  await cluster.restart('db-01');
  for (let i = 0; i < 50; i++) await db01.set(`diverged-${i}`, 'y');
  await cluster.kill('db-01');
  await cluster.standby('db-02', 'db-01');
  const db02 = new StoreClient(await cluster.address('db-02'));
  await db02.promote();
  await cluster.restart('db-01');
  const rejoin = await timed(async () => {
    await db01.rejoin(await cluster.address('db-02'));
    await cluster.waitFor('db-01', (e) => e.type === 'store.rewind', 60_000);
    while ((await db01.status()).wal_receiver?.status !== 'streaming') await sleep(5);
  });
  console.log(`rejoin with pg_rewind of a 50-record tail: ${rejoin} ms`);
  db01.close();
  db02.close();
} finally {
  await cluster.stopAll();
}
