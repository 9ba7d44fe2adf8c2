// What one sandbox program's process start costs: each program is started with an option it does not know and its
// stdin closed, so it loads and runs its whole bundle, then exits. The figures are spawn → exit (wall time) and the
// process's own CPU time (user + system, reported by a preloaded exit hook), which a loaded machine disturbs much
// less: on a busy machine (or in a WebContainer, where process start is emulated) CPU is what each node costs.
// Prints figures; run with `npx node bench/process-start.mjs [RUNS]`.
//
// Measured with it (Node 24, load average ~20): Node's module compile cache (NODE_COMPILE_CACHE) saved 3-8 ms of
// ~180 ms CPU per start; again at load average 40-58, two alternated pairs of 3 runs: 0-15 ms of 130-230 ms
// (supervisor 206 → 200 ms, web 193 → 188, balancer 174 → 164, shell 192 → 193). So the programs do not use it: Node
// would write the cache outside the session folder (or, inside it, start cold on every page), and a WebContainer's
// Node 20 has none. An ES import of node:http cost 35-80 ms (undici, see scripts/build-sandboxes.mjs).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSandboxes } from '../scripts/build-sandboxes.mjs';

const runs = Number(process.argv[2] ?? 7);
const dist = join(import.meta.dirname, '..', 'sandboxes', 'dist');
const EXIT_WITHIN_MS = 20_000;
const CPU_MARK = 'bench-process-start-cpu ';

function startOnce(program, cpuHook) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--require', cpuHook, join(dist, `${program}.js`), '--no-such-option'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (data) => (stderr += data));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${program} did not exit within ${EXIT_WITHIN_MS / 1000} s`));
    }, EXIT_WITHIN_MS);
    child.once('close', () => {
      clearTimeout(timer);
      if (!stderr.includes(CPU_MARK))
        return reject(new Error(`${program} exited without reporting its CPU time: ${stderr.slice(-300)}`));
      resolve({
        wall: performance.now() - started,
        cpu: Number(stderr.slice(stderr.lastIndexOf(CPU_MARK) + CPU_MARK.length).trim()),
      });
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const programs = await buildSandboxes();
const folder = mkdtempSync(join(tmpdir(), 'bench-process-start-'));
const cpuHook = join(folder, 'cpu-hook.cjs');
writeFileSync(
  cpuHook,
  `process.on('exit', () => { const { user, system } = process.cpuUsage(); process.stderr.write('\\n${CPU_MARK}' + (user + system) / 1000 + '\\n'); });\n`,
);
try {
  console.log(
    `process start → exit, ${runs} runs each, Node ${process.version}; load average at the start ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.log('program      wall (median, min)      CPU (median, min)');
  for (const program of programs.filter((name) => name !== 'probe')) {
    const results = [];
    for (let i = 0; i < runs; i++) results.push(await startOnce(program, cpuHook));
    const figure = (xs) => `${median(xs).toFixed(0)} ms, ${Math.min(...xs).toFixed(0)} ms`;
    console.log(
      `${program.padEnd(13)}${figure(results.map((r) => r.wall)).padEnd(24)}${figure(results.map((r) => r.cpu))}`,
    );
  }
  console.log(
    `load average at the end ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
} finally {
  rmSync(folder, { recursive: true, force: true });
}
