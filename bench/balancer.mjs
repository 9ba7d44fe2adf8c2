// Benchmark: the sandbox balancer against real HAProxy, same config, same backends, wrk against each in one run.
// Prints requests/s, the ratio to HAProxy, and the latency each adds over hitting a backend directly (p50, p99).
//
//   npm run bench:balancer [-- --rounds 3 --duration 5 --connections 32]
//
// Needs `wrk` and `haproxy` on PATH (Debian: apt-get install -y wrk haproxy); installs nothing itself.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '32' },
    threads: { type: 'string', default: '2' },
  },
});

for (const tool of ['wrk', 'haproxy']) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
    console.error(
      `bench:balancer needs '${tool}' on PATH (Debian/Ubuntu: apt-get install -y wrk haproxy). Nothing was run.`,
    );
    process.exit(1);
  }
}

const { buildSandboxes } = await import(join(root, 'scripts', 'build-sandboxes.mjs'));
await buildSandboxes();

const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
const waitPort = async (port) => {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((resolve) =>
      net
        .connect(port, '127.0.0.1')
        .on('connect', function () {
          this.destroy();
          resolve(true);
        })
        .on('error', () => resolve(false)),
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on ${port}`);
};

const children = [];
const start = (command, args, options = {}) => {
  const child = spawn(command, args, { stdio: ['pipe', 'ignore', 'inherit'], ...options });
  children.push(child);
  return child;
};
const folder = mkdtempSync(join(tmpdir(), 'bench-balancer-'));
process.on('exit', () => {
  children.forEach((c) => c.kill('SIGKILL'));
  rmSync(folder, { recursive: true, force: true });
});

// Two backends, each its own process: a small page, kept-alive connections.
const backendCode = `require('node:http').createServer((q, r) => { r.setHeader('x-served-by', process.argv[2]); r.end('hello from ' + process.argv[2] + '\\n'); }).listen(Number(process.argv[1]), '127.0.0.1')`;
const backends = [await freePort(), await freePort()];
backends.forEach((port, i) => start(process.execPath, ['-e', backendCode, String(port), `app${i + 1}`]));
await Promise.all(backends.map(waitPort));

const [oursPort, haproxyPort] = [await freePort(), await freePort()];
const config = (port) => `global
    maxconn 4096

defaults
    mode    http
    timeout connect 5s
    timeout client  30s
    timeout server  30s

frontend fe_web
    bind 127.0.0.1:${port}
    default_backend be_app

backend be_app
    balance roundrobin
${backends.map((p, i) => `    server app${i + 1} 127.0.0.1:${p}`).join('\n')}
`;
writeFileSync(join(folder, 'ours.cfg'), config(oursPort));
writeFileSync(join(folder, 'haproxy.cfg'), config(haproxyPort));
start(process.execPath, [join(root, 'sandboxes', 'dist', 'balancer.js'), '-f', join(folder, 'ours.cfg')], {
  stdio: ['pipe', 'ignore', 'ignore'],
});
start('haproxy', ['-db', '-f', join(folder, 'haproxy.cfg')], { stdio: ['pipe', 'ignore', 'ignore'] });
await Promise.all([waitPort(oursPort), waitPort(haproxyPort)]);

/** Runs wrk and reads requests/s and the latency percentiles (ms) from its --latency report. */
function wrk(port) {
  const out = spawnSync(
    'wrk',
    [
      `-t${values.threads}`,
      `-c${values.connections}`,
      `-d${values.duration}s`,
      '--latency',
      `http://127.0.0.1:${port}/`,
    ],
    { encoding: 'utf8' },
  ).stdout;
  const ms = (label) => {
    const m = new RegExp(`^\\s+${label}\\s+([\\d.]+)(us|ms|s)`, 'm').exec(out);
    return m ? Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]] : NaN;
  };
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? '0';
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
    p50: ms('50%'),
    p99: ms('99%'),
    errors: Number(errors),
  };
}

// Warm up each target briefly (JIT, connection pools). Then measure in rounds, taking turns, and keep each
// target's median round: on a shared machine one quiet or noisy moment must not decide the comparison.
const targets = { direct: backends[0], haproxy: haproxyPort, ours: oursPort };
for (const port of Object.values(targets)) spawnSync('wrk', ['-t1', '-c4', '-d1s', `http://127.0.0.1:${port}/`]);
const rounds = Number(values.rounds);
const results = { direct: [], haproxy: [], ours: [] };
for (let i = 0; i < rounds; i++) for (const [name, port] of Object.entries(targets)) results[name].push(wrk(port));
const median = (list) => [...list].sort((a, b) => a.rps - b.rps)[Math.floor(list.length / 2)];
const [direct, haproxy, ours] = [median(results.direct), median(results.haproxy), median(results.ours)];

const row = (name, r) =>
  `${name.padEnd(26)} ${r.rps.toFixed(0).padStart(9)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)} ${(r.p50 - direct.p50).toFixed(2).padStart(10)} ${(r.p99 - direct.p99).toFixed(2).padStart(10)} ${String(r.errors).padStart(7)}`;
console.log(
  `\nwrk -t${values.threads} -c${values.connections} -d${values.duration}s, median of ${rounds} rounds taken in turn; 2 Node ${process.version} backends, roundrobin; ${(await import('node:os')).cpus().length} CPUs, load average ${(await import('node:os')).loadavg()[0].toFixed(1)}`,
);
console.log(
  `${''.padEnd(26)} ${'req/s'.padStart(9)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'+p50 ms'.padStart(10)} ${'+p99 ms'.padStart(10)} ${'non-2xx'.padStart(7)}`,
);
console.log(row('one backend, direct', direct));
console.log(row(`HAProxy ${spawnSync('haproxy', ['-v'], { encoding: 'utf8' }).stdout.split(' ')[2]}`, haproxy));
console.log(row('sandbox balancer', ours));
console.log(`\nthroughput ratio sandbox/HAProxy: ${(ours.rps / haproxy.rps).toFixed(2)}x (goal: 0.8x)`);
console.log(
  `all rounds, req/s: ${Object.entries(results)
    .map(([name, list]) => `${name} ${list.map((r) => r.rps.toFixed(0)).join('/')}`)
    .join(', ')}`,
);
process.exit(0);
