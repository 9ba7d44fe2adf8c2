// The probe's figures on this computer (#15, start-up speed): how long a node process takes to start and answer,
// alone and 20 at a time, how long each sandbox program takes to load its bundle, and how many loopback HTTP round
// trips a second one process gets, in the local runtime and in its mode constrained like a WebContainer. Run with `npm run bench:probe`. The same figures from a real
// WebContainer come from the /probe/ page (README, "Check a deployment with the probe").
import { constrainedEnv } from '../src/runtime/local/constraints.ts';
import { runProbe } from '../tests/sandboxes/probe/run.ts';
// @ts-expect-error: a plain ES module script without type declarations
import { buildSandboxes } from '../scripts/build-sandboxes.mjs';

const FIGURES = [
  'node-version',
  'memory-start',
  'spawn',
  'program-start',
  'spawn-20-serial',
  'spawn-20-parallel',
  'http-rate',
  'memory-end',
];

await buildSandboxes();
const MODES = [
  { name: 'local runtime', env: process.env },
  { name: 'local runtime constrained like a WebContainer (emulated limits)', env: constrainedEnv(process.env) },
];
for (const { name, env } of MODES) {
  const run = await runProbe(process.execPath, ['--only', FIGURES.join(',')], { env });
  console.log(`\n${name}`);
  for (const line of run.lines) {
    if ('check' in line)
      console.log(`  ${String(line.check).padEnd(18)} ${String(line.figure ?? line.result).padEnd(28)} ${line.detail}`);
  }
  if (run.code !== 0)
    console.log(`  the probe exited with code ${run.code}: ${run.stderr || JSON.stringify(run.lines.at(-1))}`);
}
