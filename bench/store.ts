// Store benchmark: sustained writes/s with one standby in each replication mode, the standby's replay lag under
// that load (p50/p99 of pg_stat_replication's replay_lag), and failover time from SIGKILL of the primary to the
// first write the new primary accepts. Prints figures; asserts nothing. Run: npm run bench:store
import { Cluster, sleep } from '../tests/sandboxes/store/cluster';
import { StoreClient } from '../sandboxes/store/client';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONNECTIONS = 8;
const IN_FLIGHT = 32; // pipelined writes per connection

const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;

async function throughput(mode: string): Promise<void> {
  const cluster = new Cluster();
  try {
    await cluster.primary('db-01', ['--mode', mode]);
    await cluster.standby('db-02', 'db-01');
    const clients = await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => new StoreClient(await cluster.address('db-01'))),
    );
    const watcher = new StoreClient(await cluster.address('db-01'));
    await sleep(200);
    let writes = 0;
    let running = true;
    const lags: number[] = [];
    const writer = async (client: StoreClient, lane: number) => {
      for (let i = 0; running; i++) {
        await client.set(`k${lane}-${i % 1000}`, `value ${i}`);
        writes++;
      }
    };
    const started = Date.now();
    const lanes = clients.flatMap((c, n) => Array.from({ length: IN_FLIGHT }, (_, i) => writer(c, n * IN_FLIGHT + i)));
    const sampler = (async () => {
      while (running) {
        const row = (await watcher.status()).replication[0];
        if (row?.replay_lag != null) lags.push(row.replay_lag);
        await sleep(20);
      }
    })();
    await sleep(SECONDS * 1000);
    running = false;
    await Promise.all([...lanes, sampler]);
    const elapsed = (Date.now() - started) / 1000;
    lags.sort((a, b) => a - b);
    console.log(
      `${mode.padEnd(9)}  ${Math.round(writes / elapsed)
        .toString()
        .padStart(
          7,
        )} writes/s   replay_lag p50 ${percentile(lags, 50)} ms  p99 ${percentile(lags, 99)} ms  (${lags.length} samples, ${CONNECTIONS}×${IN_FLIGHT} writers, ${SECONDS} s)`,
    );
    [...clients, watcher].forEach((c) => c.close());
  } finally {
    await cluster.stopAll();
  }
}

async function failover(intervalMs: number, misses: number): Promise<void> {
  const cluster = new Cluster();
  try {
    await cluster.primary('db-01');
    await cluster.standby('db-02', 'db-01');
    await cluster.standby('db-03', 'db-01');
    const nodes = await Promise.all(['db-01', 'db-02', 'db-03'].map(async (n) => `${n}=${await cluster.address(n)}`));
    await cluster.start(
      'mon-01',
      ['monitor', '--nodes', nodes.join(','), '--interval', String(intervalMs), '--misses', String(misses)],
      { ready: false },
    );
    await cluster.waitFor(
      'mon-01',
      (e) => e.type === 'log' && e.text.startsWith('LOG:  lease') === false && e.text.startsWith('LOG:  primary is'),
    );
    const standbys = await Promise.all(
      ['db-02', 'db-03'].map(async (n) => new StoreClient(await cluster.address(n), 200)),
    );
    await sleep(intervalMs * 2);
    const killed = Date.now();
    await cluster.kill('db-01');
    let accepted = 0;
    while (!accepted) {
      const results = await Promise.allSettled(standbys.map((c) => c.set('after-failover', 'yes')));
      if (results.some((r) => r.status === 'fulfilled')) accepted = Date.now();
      else await sleep(5);
    }
    const detection = intervalMs * misses;
    console.log(
      `failover   ${accepted - killed} ms from SIGKILL to the first accepted write (detection ${misses} × ${intervalMs} ms = ${detection} ms; goal ≤ ${detection + 500} ms)`,
    );
    standbys.forEach((c) => c.close());
  } finally {
    await cluster.stopAll();
  }
}

for (const mode of ['async', 'semi-sync', 'sync']) await throughput(mode);
for (const [interval, misses] of [
  [1000, 3],
  [200, 3],
])
  await failover(interval, misses);
