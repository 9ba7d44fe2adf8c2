// Store Jepsen benchmark: the checker of tests/sandboxes/store/jepsen.ts over many failovers per replication mode
// (kills, freezes past detection, brief pauses, network cuts of the primary, at 3 × 200 ms detection). Prints, per
// mode, the acknowledged writes, those lost, the failovers by kind and the split-brain windows. Asserts nothing.
// Run: npm run bench:store-jepsen   (JEPSEN_FAILOVERS=100 per mode by default; JEPSEN_MODES=sync,semi-sync,async)
import { jepsen, type JepsenResult } from '../tests/sandboxes/store/jepsen';
import type { Mode } from '../sandboxes/store/syncrep';

const FAILOVERS = Number(process.env.JEPSEN_FAILOVERS ?? 100);
const MODES = (process.env.JEPSEN_MODES ?? 'sync,semi-sync,async').split(',') as Mode[];
// Async loses writes by design; a few failovers show it.
const ASYNC_FAILOVERS = Number(process.env.JEPSEN_ASYNC_FAILOVERS ?? 20);

function summary(r: JepsenResult): string {
  const lostKeys = new Set(r.lost.map((l) => l.key));
  const byKind = Object.entries(r.failovers)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const injected = Object.entries(r.faults)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  return [
    `${r.mode}: ${r.acknowledged} acknowledged of ${r.attempted} attempted writes, ${lostKeys.size} lost`,
    `  failovers: ${Object.values(r.failovers).reduce((a, b) => a + b, 0)} (${byKind}); faults injected: ${injected}`,
    `  split-brain windows: ${r.splitBrain.length}${r.splitBrain.length ? ` (${r.splitBrain.map((w) => `${w.a} / ${w.b}: ${w.overlapMs} ms`).join('; ')})` : ''}`,
    `  ${r.seconds.toFixed(0)} s`,
    ...[...lostKeys].slice(0, 5).map((key) => {
      const misses = r.lost.filter((l) => l.key === key);
      return `  lost: ${key}, acknowledged by ${misses[0].acknowledgedBy}, missing on ${misses.map((l) => `${l.node} (${l.when})`).join(', ')}`;
    }),
  ].join('\n');
}

for (const mode of MODES) {
  const result = await jepsen({
    mode,
    failovers: mode === 'async' ? Math.min(ASYNC_FAILOVERS, FAILOVERS) : FAILOVERS,
    progress: process.env.JEPSEN_VERBOSE ? (line) => console.log(line) : undefined,
  });
  console.log(summary(result));
}
