// Benchmark: how long each config parser takes over one megabyte of configuration, in the shapes that make a parser
// super-linear (bench/config-cases.ts). A running program parses on reload in its event loop, so every figure here
// is also how long a reload of such a file holds up that program's traffic. On a busy machine the wall time
// counts the waits for a CPU too: the CPU time (user + system, this process) is the figure to compare.
//
//   node bench/config-check.mjs [--rounds 3]
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } });

const folder = mkdtempSync(join(tmpdir(), 'bench-config-'));
try {
  const outfile = join(folder, 'cases.mjs');
  await build({
    entryPoints: [join(root, 'bench', 'config-cases.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    outfile,
    logLevel: 'warning',
    // yaml calls require() for Node built-ins, as in scripts/build-sandboxes.mjs.
    banner: {
      js: "import { createRequire as __benchRequire } from 'node:module'; const require = __benchRequire(import.meta.url);",
    },
  });
  const { cases } = await import(pathToFileURL(outfile).href);
  console.log(`node ${process.version}, best of ${values.rounds} runs per case (1 MB each)`);
  for (const { program, shape, make, check, expect } of cases) {
    const text = make();
    let wall = Infinity;
    let cpu = Infinity;
    let verdict = '';
    for (let round = 0; round < Number(values.rounds); round++) {
      const started = performance.now();
      const used = process.cpuUsage();
      verdict = check(text);
      const { user, system } = process.cpuUsage(used);
      wall = Math.min(wall, performance.now() - started);
      cpu = Math.min(cpu, (user + system) / 1000);
    }
    const ok = expect.test(verdict) ? '' : `  UNEXPECTED VERDICT (wanted ${expect})`;
    console.log(
      `${program.padEnd(14)} ${shape.padEnd(48)} ${wall.toFixed(1).padStart(8)} ms wall ${cpu.toFixed(1).padStart(8)} ms CPU  ${JSON.stringify(verdict.slice(0, 70))}${ok}`,
    );
  }
} finally {
  rmSync(folder, { recursive: true, force: true });
}
