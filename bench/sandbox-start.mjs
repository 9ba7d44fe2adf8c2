// How fast a scenario comes up: for each scenario, start the supervisor in a fresh session folder and time it
// until the `ready` event (every node started and listening), then until it has stopped every node. Prints
// figures; run with `npm run bench:sandbox-start [-- RUNS]`. The design target is a topology up in a second or two.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { buildSandboxes } from '../scripts/build-sandboxes.mjs';

const runs = Number(process.argv[2] ?? 3);
const dist = join(import.meta.dirname, '..', 'sandboxes', 'dist');
const scenarios = ['one-server', 'two-servers', 'uneven-servers', 'spof', 'capstone'];

function once(scenario) {
  return new Promise((resolve, reject) => {
    const folder = mkdtempSync(join(tmpdir(), 'bench-start-'));
    const started = performance.now();
    const child = spawn(process.execPath, [join(dist, 'supervisor.js'), '--scenario', scenario], {
      cwd: folder,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let ready;
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (ready === undefined && JSON.parse(line).type === 'ready') {
        ready = performance.now() - started;
        child.stdin.end(); // the supervisor stops its nodes and exits
      }
    });
    child.once('exit', () => {
      rmSync(folder, { recursive: true, force: true });
      if (ready === undefined) return reject(new Error(`${scenario}: the supervisor exited before it was ready`));
      resolve({ ready, stopped: performance.now() - started - ready });
    });
  });
}

await buildSandboxes();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`scenario start-up, ${runs} runs each, Node ${process.version}`);
console.log('scenario          nodes  ready (median, max)   stop (median)');
for (const scenario of scenarios) {
  const results = [];
  for (let i = 0; i < runs; i++) results.push(await once(scenario));
  const readies = results.map((r) => r.ready);
  const nodes = { 'one-server': 1, 'two-servers': 3, 'uneven-servers': 3, spof: 4, capstone: 8 }[scenario];
  console.log(
    `${scenario.padEnd(18)}${String(nodes).padEnd(7)}${`${median(readies).toFixed(0)} ms, ${Math.max(...readies).toFixed(0)} ms`.padEnd(22)}${median(results.map((r) => r.stopped)).toFixed(0)} ms`,
  );
}
