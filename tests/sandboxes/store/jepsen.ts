// A Jepsen-style test of the store: real store processes (a primary, two standbys and the failover monitor) on the
// sandbox network, clients writing unique keys in one replication mode, and a nemesis that hits the primary cycle
// after cycle: SIGKILL, a freeze past the detection time (SIGSTOP, then SIGCONT once a standby is promoted), a pause
// shorter than the detection time, and a network cut that isolates it from the standbys and the monitor (its
// clients still reach it) until a standby is promoted. Afterwards every acknowledged key is read back from every
// node, then again after a clean restart of all of them.
//
// Checked: no acknowledged write is lost, and no split-brain window: two nodes never acknowledge writes in
// overlapping intervals (each node's acknowledgements on one timeline span an interval, on the node's own clock;
// every node runs on this machine, so the clocks agree). Used by jepsen.test.ts (a few failovers) and by
// bench/store-jepsen.ts (hundreds).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setLinkCut } from '../../../sandboxes/network/net';
import { StoreClient, type Status } from '../../../sandboxes/store/client';
import { StoreRouter } from '../../../sandboxes/store/router';
import { storeConf } from '../../../sandboxes/store/store-config';
import type { Mode } from '../../../sandboxes/store/syncrep';
import type { NodeEvent } from '../../../sandboxes/contracts/events/index';
import { Cluster, sleep, type Running } from './cluster';

export type Fault = 'kill' | 'freeze' | 'pause' | 'cut';
export const FAULTS: Fault[] = ['kill', 'freeze', 'cut', 'pause'];

export interface JepsenOptions {
  mode: Mode;
  /** Stop once the monitor has completed this many failovers. */
  failovers: number;
  writers?: number;
  faults?: Fault[];
  intervalMs?: number;
  misses?: number;
  /** Progress lines (the benchmark prints them). */
  progress?: (line: string) => void;
}

export interface SplitBrainWindow {
  a: string;
  b: string;
  overlapMs: number;
}

export interface JepsenResult {
  mode: Mode;
  attempted: number;
  acknowledged: number;
  /** Acknowledged keys missing (or different) on some node, live or after the clean restart. */
  lost: { key: string; node: string; when: 'live' | 'after restart'; acknowledgedBy: string; value: string | null }[];
  /** Completed failovers, by the fault that caused them. */
  failovers: Record<Fault, number>;
  /** Faults injected, by kind (a pause usually causes no failover). */
  faults: Record<Fault, number>;
  splitBrain: SplitBrainWindow[];
  seconds: number;
}

const DBS = ['db-01', 'db-02', 'db-03'];
const IP: Record<string, string> = {
  'db-01': '10.0.0.21',
  'db-02': '10.0.0.22',
  'db-03': '10.0.0.23',
  'mon-01': '10.0.0.31',
};

export async function jepsen(options: JepsenOptions): Promise<JepsenResult> {
  const {
    mode,
    writers = 6,
    faults: kinds = FAULTS,
    intervalMs = 200,
    misses = 3,
    progress = () => undefined,
  } = options;
  const detection = intervalMs * misses;
  const started = Date.now();
  const cluster = new Cluster({ network: true });
  // This process's own connections (clients, nemesis) come from the internet's address on the sandbox network.
  const saved = { net: process.env.SANDBOX_NET, addr: process.env.SANDBOX_ADDR };
  process.env.SANDBOX_NET = cluster.net;
  process.env.SANDBOX_ADDR = '203.0.113.10';
  // Every incarnation of every node, for their events (a restart replaces the node's entry in the cluster).
  const incarnations: Running[] = [];
  const start = async (how: () => Promise<Running>) => void incarnations.push(await how());
  const clients = new Map<string, StoreClient>();
  let running = true;
  let lostAny = false;
  let writing: Promise<void>[] = [];
  try {
    // Small checkpoints, so recoveries and rewinds start from one, as they do on a node that has run for a while.
    writeFileSync(join(cluster.dir, 'store.conf'), storeConf(mode, '256kB'));
    const config = ['--config', 'store.conf'];
    await start(() => cluster.primary('db-01', config));
    await Promise.all(['db-02', 'db-03'].map((n) => start(() => cluster.standby(n, 'db-01', config))));
    const addresses = await Promise.all(DBS.map((n) => cluster.address(n)));
    for (const [i, name] of DBS.entries()) clients.set(name, new StoreClient(addresses[i], 2000));
    const nameOf = (address: string) => DBS[addresses.indexOf(address)];
    const monitorArgs = [
      'monitor',
      '--nodes',
      DBS.map((n, i) => `${n}=${addresses[i]}`).join(','),
      '--interval',
      String(intervalMs),
      '--misses',
      String(misses),
      '--fencing',
      'on',
    ];
    await start(() => cluster.start('mon-01', monitorArgs, { ready: false }));
    const monitor = () => cluster.nodes.get('mon-01')!;
    await cluster.waitFor('mon-01', (e) => e.type === 'log' && e.text.startsWith('LOG:  primary is db-01'));

    const statuses = () =>
      Promise.all(
        DBS.map((n) =>
          clients
            .get(n)!
            .status()
            .catch(() => undefined),
        ),
      );
    /** One primary holding its lease, both standbys streaming from it on its timeline. */
    const settle = async (why: string): Promise<string> => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const all = await statuses();
        const primaries = all.filter((s): s is Status => !!s && s.role === 'primary' && !s.fenced);
        const primary = primaries[0];
        if (
          primaries.length === 1 &&
          all.every(
            (s) =>
              s &&
              (s === primary ||
                (s.role === 'standby' && s.wal_receiver?.status === 'streaming' && s.timeline === primary.timeline)),
          ) &&
          primary.replication.filter((r) => r.state === 'streaming').length === DBS.length - 1
        ) {
          return primary.name;
        }
        if (Date.now() > deadline) {
          const logs = DBS.map((n) => `--- ${n}\n${cluster.logs(n).slice(-15).join('\n')}`).join('\n');
          throw new Error(
            `the cluster did not settle (${why}) within 30 s: ${JSON.stringify(all.map((s) => s && { name: s.name, role: s.role, fenced: s.fenced, timeline: s.timeline, receiver: s.wal_receiver?.status }))}\n${logs}\n--- mon-01\n${cluster.logs('mon-01').slice(-15).join('\n')}`,
          );
        }
        await sleep(50);
      }
    };

    // The clients: unique keys, each acknowledged write remembered with the node that acknowledged it.
    const acked = new Map<string, { node: string; value: string }>();
    let attempted = 0;
    const writer = async (lane: number) => {
      const lanes = new StoreRouter(addresses, { readYourWrites: 'off', timeoutMs: 1000 });
      try {
        for (let i = 0; running; i++) {
          const key = `w${lane}-${i}`;
          const value = `${key}@${Date.now()}`;
          attempted++;
          try {
            const { node } = await lanes.write(key, value);
            acked.set(key, { node: nameOf(node), value });
          } catch {
            await sleep(10); // indeterminate: not acknowledged, so not checked
          }
        }
      } finally {
        lanes.close();
      }
    };
    writing = Array.from({ length: writers }, (_, lane) => writer(lane));

    const failovers = Object.fromEntries(FAULTS.map((f) => [f, 0])) as Record<Fault, number>;
    const injected = Object.fromEntries(FAULTS.map((f) => [f, 0])) as Record<Fault, number>;
    const completed = (since: number) =>
      monitor()
        .events.slice(since)
        .some((e) => e.type === 'store.failover' && e.to !== null);
    const awaitFailover = async (since: number, what: string) => {
      const deadline = Date.now() + 30_000;
      while (!completed(since)) {
        if (Date.now() > deadline)
          throw new Error(`no failover within 30 s after ${what}:\n${cluster.logs('mon-01').slice(-20).join('\n')}`);
        await sleep(10);
      }
    };
    const total = () => Object.values(failovers).reduce((a, b) => a + b, 0);
    for (let cycle = 0; total() < options.failovers; cycle++) {
      const primary = await settle(`before cycle ${cycle}`);
      await sleep(100 + Math.random() * 200);
      const fault = kinds[cycle % kinds.length];
      const since = monitor().events.length;
      const child = cluster.nodes.get(primary)!.child;
      injected[fault]++;
      if (fault === 'kill') {
        await cluster.kill(primary);
        await awaitFailover(since, `SIGKILL of ${primary}`);
        await start(() => cluster.restart(primary));
      } else if (fault === 'freeze') {
        child.kill('SIGSTOP');
        await awaitFailover(since, `SIGSTOP of ${primary}`);
        await sleep(Math.random() * 300);
        child.kill('SIGCONT');
      } else if (fault === 'pause') {
        // Shorter than the detection time: usually no failover, sometimes a lease that runs out meanwhile.
        child.kill('SIGSTOP');
        await sleep(50 + Math.random() * (detection - 150));
        child.kill('SIGCONT');
        await sleep(detection);
      } else {
        for (const other of [...DBS, 'mon-01']) if (other !== primary) setLinkCut(IP[primary], IP[other], true);
        await awaitFailover(since, `the cut of ${primary}`);
        await sleep(Math.random() * 300);
        for (const other of [...DBS, 'mon-01']) if (other !== primary) setLinkCut(IP[primary], IP[other], false);
      }
      if (completed(since)) failovers[fault]++;
      progress(
        `${mode}: cycle ${cycle + 1} ${fault} of ${primary}${completed(since) ? ' → failover' : ''}; ${total()} failovers, ${acked.size} acknowledged`,
      );
    }
    running = false;
    await Promise.all(writing);

    // Every acknowledged key, from every node once it has replayed everything; then after a clean restart.
    const lost: JepsenResult['lost'] = [];
    const check = async (when: 'live' | 'after restart') => {
      const primary = await settle(when);
      const end = (await clients.get(primary)!.status()).flush_lsn;
      for (const name of DBS) {
        const client = clients.get(name)!;
        const deadline = Date.now() + 30_000;
        while ((await client.status()).replay_lsn !== end && Date.now() < deadline) await sleep(20);
        const keys = [...acked.keys()];
        for (let i = 0; i < keys.length; i += 500) {
          const batch = keys.slice(i, i + 500);
          const values = await Promise.all(batch.map((key) => client.get(key)));
          batch.forEach((key, j) => {
            const want = acked.get(key)!;
            if (values[j].value !== want.value)
              lost.push({ key, node: name, when, acknowledgedBy: want.node, value: values[j].value });
          });
        }
      }
    };
    await check('live');
    for (const name of DBS) await cluster.kill(name, 'SIGTERM');
    for (const name of DBS) await start(() => cluster.restart(name));
    await check('after restart');
    lostAny = lost.length > 0;

    return {
      mode,
      attempted,
      acknowledged: acked.size,
      lost,
      failovers,
      faults: injected,
      splitBrain: splitBrainWindows(
        incarnations.filter((r) => DBS.includes(r.name)).map((r) => ({ node: r.name, events: r.events })),
      ),
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    running = false;
    await Promise.all(writing);
    for (const client of clients.values()) client.close();
    // JEPSEN_KEEP=1 keeps the session folder and every node's log of a run that lost writes, to find out why.
    const keep = !!process.env.JEPSEN_KEEP && lostAny;
    if (keep) {
      for (const [i, r] of incarnations.entries())
        writeFileSync(
          join(cluster.dir, `${r.name}.${i}.log`),
          r.events.map((e) => (e.type === 'log' ? e.text : JSON.stringify(e))).join('\n'),
        );
      console.log(`kept ${cluster.dir}`);
    }
    await cluster.stopAll(keep);
    process.env.SANDBOX_NET = saved.net;
    process.env.SANDBOX_ADDR = saved.addr;
    if (saved.net === undefined) delete process.env.SANDBOX_NET;
    if (saved.addr === undefined) delete process.env.SANDBOX_ADDR;
  }
}

/**
 * Pairs of nodes that acknowledged writes in overlapping intervals: each node's acknowledgements on one timeline
 * span [first, last] on its own clock, and two such spans of different nodes must not overlap.
 */
export function splitBrainWindows(nodes: { node: string; events: NodeEvent[] }[]): SplitBrainWindow[] {
  const spans = new Map<string, { node: string; from: number; to: number }>();
  for (const { node, events } of nodes) {
    for (const event of events) {
      if (event.type !== 'store.write') continue;
      const id = `${node} on timeline ${event.timeline}`;
      const span = spans.get(id);
      if (!span) spans.set(id, { node, from: event.acked_at, to: event.acked_at });
      else span.to = Math.max(span.to, event.acked_at);
    }
  }
  const list = [...spans];
  const windows: SplitBrainWindow[] = [];
  for (const [i, [a, x]] of list.entries()) {
    for (const [b, y] of list.slice(i + 1)) {
      const overlap = Math.min(x.to, y.to) - Math.max(x.from, y.from);
      if (x.node !== y.node && overlap >= 0) windows.push({ a, b, overlapMs: overlap });
    }
  }
  return windows;
}
