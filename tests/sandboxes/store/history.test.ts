// A history checker in the spirit of Jepsen: concurrent clients write unique values while the primary is killed
// with SIGKILL and the monitor fails over, several times; afterwards every acknowledged write is looked up on the
// final primary. Before each kill the primary is cut off from its standbys for a moment (a partition on the sandbox
// network), so an asynchronous primary acknowledges writes they never receive. Synchronous and semi-synchronous
// replication must not lose any acknowledged write; asynchronous replication does, and the losses are counted.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setLinkCut } from '../../../sandboxes/network/net';
import { Cluster, sleep } from './cluster';
import { StoreClient } from '../../../sandboxes/store/client';
import { StoreRouter } from '../../../sandboxes/store/router';

const WRITERS = 6;
let cluster: Cluster;
afterEach(async () => cluster?.stopAll());
// The test's own connections come from the internet's address on the sandbox network.
beforeAll(() => void (process.env.SANDBOX_ADDR = '203.0.113.10'));
afterAll(() => {
  delete process.env.SANDBOX_NET;
  delete process.env.SANDBOX_ADDR;
});

interface Ack {
  node: string;
  /** When the write was sent (before its acknowledgement) and acknowledged. */
  sent: number;
  at: number;
}

async function run(mode: 'async' | 'semi-sync' | 'sync', cycles: number) {
  cluster = new Cluster({ network: true });
  process.env.SANDBOX_NET = cluster.net;
  // Every node gets the mode, so a promoted standby keeps it. The semi-sync timeout is long enough never to fall
  // back during these failovers (a fallback would make losses possible again, as in MySQL).
  const flags = ['--mode', mode, '--semi-sync-timeout', '5000'];
  await cluster.primary('db-01', flags);
  await Promise.all([cluster.standby('db-02', 'db-01', flags), cluster.standby('db-03', 'db-01', flags)]);
  const names = ['db-01', 'db-02', 'db-03'];
  const addresses = await Promise.all(names.map((n) => cluster.address(n)));
  const nameOf = (address: string) => names[addresses.indexOf(address)];
  await cluster.start(
    'mon-01',
    ['monitor', '--nodes', names.map((n, i) => `${n}=${addresses[i]}`).join(','), '--interval', '200', '--misses', '3'],
    { ready: false },
  );
  await cluster.waitFor('mon-01', (e) => e.type === 'log' && e.text.startsWith('LOG:  primary is db-01'));

  const router = new StoreRouter(addresses, { readYourWrites: 'off', timeoutMs: 1000 });
  const acked = new Map<string, Ack>();
  let attempts = 0;
  let running = true;
  const writer = async (lane: number) => {
    for (let i = 0; running; i++) {
      const key = `w${lane}-${i}`;
      attempts++;
      const sent = Date.now();
      try {
        const { node } = await router.write(key, `${key}@${sent}`);
        acked.set(key, { node, sent, at: Date.now() });
      } catch {
        await sleep(20); // indeterminate: not acknowledged, not checked
      }
    }
  };
  const writers = Array.from({ length: WRITERS }, (_, lane) => writer(lane));
  const killed: { node: string; at: number }[] = [];
  try {
    for (let cycle = 0; cycle < cycles; cycle++) {
      await sleep(300);
      const primary = await router.findPrimary();
      const standbys = addresses.filter((a) => a !== primary).map((a) => a.split(':')[0]);
      for (const standby of standbys) setLinkCut(primary.split(':')[0], standby, true);
      await sleep(150);
      const at = Date.now();
      await cluster.kill(nameOf(primary));
      killed.push({ node: primary, at: Date.now() });
      for (const standby of standbys) setLinkCut(primary.split(':')[0], standby, false);
      // Failover is done when another node acknowledges a write.
      while (![...acked.values()].some((a) => a.at > at && a.node !== primary)) await sleep(10);
      await cluster.restart(nameOf(primary));
      const back = new StoreClient(primary, 1000);
      for (;;) {
        const status = await back.status().catch(() => undefined);
        if (status?.role === 'standby' && status.wal_receiver?.status === 'streaming') break;
        await sleep(20);
      }
      back.close();
    }
  } finally {
    running = false;
    await Promise.all(writers);
  }

  const final = new StoreClient(await router.findPrimary(), 5000);
  const values = await Promise.all([...acked.keys()].map((key) => final.get(key)));
  const lost = [...acked].filter((_, i) => values[i].value === null);
  final.close();
  router.close();
  console.log(
    `${mode}: ${attempts} writes attempted, ${acked.size} acknowledged, ${lost.length} acknowledged writes lost, over ${cycles} SIGKILL failovers`,
  );
  return { acked, lost, killed };
}

// Generous: these run many processes, and the machine may be busy.
describe('acknowledged writes through repeated SIGKILL failovers', { timeout: 90_000 }, () => {
  it('sync replication loses none of them', async () => {
    const { acked, lost } = await run('sync', 2);
    expect(acked.size).toBeGreaterThan(50);
    expect(lost).toEqual([]);
  });

  it('semi-sync replication (no fallback) loses none of them', async () => {
    const { acked, lost } = await run('semi-sync', 2);
    expect(acked.size).toBeGreaterThan(50);
    expect(lost).toEqual([]);
  });

  it('async replication loses some, all acknowledged by a primary that was then killed', async () => {
    const { acked, lost, killed } = await run('async', 3);
    expect(acked.size).toBeGreaterThan(50);
    expect(lost.length).toBeGreaterThan(0);
    for (const [key, ack] of lost) {
      // The node that acknowledged it was killed after the write was sent (so before it could replicate it).
      expect(
        killed.some((k) => k.node === ack.node && k.at >= ack.sent),
        `${key} acknowledged by ${ack.node}; kills: ${JSON.stringify(killed)}`,
      ).toBe(true);
    }
  });
});
