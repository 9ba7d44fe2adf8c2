// What one sandbox program's process start costs, with and without Node's module compile cache (NODE_COMPILE_CACHE,
// which the local bridge sets for the programs it starts: src/runtime/local/session.ts). Each program is started with
// an option it does not know and its stdin closed, so it loads and runs its whole bundle, then exits; the figures are
// spawn → exit (wall time) and the process's own CPU time (user + system, reported by a preloaded exit hook), which
// a loaded machine disturbs much less. The two ways alternate, so both see the same load. Prints figures; run with
// `npx node bench/process-start.mjs [RUNS]` (Node 22.1+ has the cache; Node 20, a WebContainer's, ignores it).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSandboxes } from '../scripts/build-sandboxes.mjs';

const runs = Number(process.argv[2] ?? 7);
const dist = join(import.meta.dirname, '..', 'sandboxes', 'dist');
const EXIT_WITHIN_MS = 20_000;
const CPU_MARK = 'bench-process-start-cpu ';

function startOnce(program, cache) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const env = { ...process.env, NODE_COMPILE_CACHE: cache ?? '' };
    if (!cache) delete env.NODE_COMPILE_CACHE;
    const child = spawn(process.execPath, ['--require', cpuHook, join(dist, `${program}.js`), '--no-such-option'], { stdio: ['ignore', 'ignore', 'pipe'], env });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (data) => (stderr += data));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${program} did not exit within ${EXIT_WITHIN_MS / 1000} s`));
    }, EXIT_WITHIN_MS);
    child.once('close', () => {
      clearTimeout(timer);
      const cpu = Number(stderr.slice(stderr.lastIndexOf(CPU_MARK) + CPU_MARK.length).trim());
      if (!stderr.includes(CPU_MARK)) return reject(new Error(`${program} exited without reporting its CPU time: ${stderr.slice(-300)}`));
      resolve({ wall: performance.now() - started, cpu });
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const programs = await buildSandboxes();
const cache = mkdtempSync(join(tmpdir(), 'bench-compile-cache-'));
const cpuHook = join(cache, '..', `${cache.split('/').at(-1)}-cpu-hook.cjs`);
writeFileSync(cpuHook, `process.on('exit', () => { const { user, system } = process.cpuUsage(); process.stderr.write('\\n${CPU_MARK}' + (user + system) / 1000 + '\\n'); });\n`);
try {
  console.log(`process start → exit, ${runs} runs each way, Node ${process.version}; load average at the start ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log('program      no cache: wall, CPU (medians)   compile cache: wall, CPU (medians)');
  for (const program of programs.filter((name) => name !== 'probe')) {
    await startOnce(program, cache); // fills the cache, as a program's first start does
    const cold = [];
    const warm = [];
    for (let i = 0; i < runs; i++) {
      cold.push(await startOnce(program, undefined));
      warm.push(await startOnce(program, cache));
    }
    const figure = (xs) => `${median(xs.map((x) => x.wall)).toFixed(0)} ms, ${median(xs.map((x) => x.cpu)).toFixed(0)} ms`;
    console.log(`${program.padEnd(13)}${figure(cold).padEnd(32)}${figure(warm)}`);
  }
  console.log(`load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
} finally {
  rmSync(cache, { recursive: true, force: true });
  rmSync(cpuHook, { force: true });
}
