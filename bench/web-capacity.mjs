// Benchmark: one web server with its default capacity (sandboxes/web/capacity.ts), under open-loop load at shares of
// the rate it can serve (workers ÷ service time). Prints, per rate: answered, refused (503), p50/p95/p99 latency
// as the client saw it, and the most requests the server had waiting. The figures the lessons may quote come from
// here, measured, not from the formula alone.
//
//   npm run bench:web-capacity [-- --seconds 10 --loads 0.5,1,1.4,2.8]
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { eachEventLine } from '../sandboxes/shared/event-lines.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '10' }, loads: { type: 'string', default: '0.5,1,1.4,2.8' } },
});
const seconds = Number(values.seconds);
const loads = values.loads.split(',').map(Number);

const { buildSandboxes } = await import(join(root, 'scripts', 'build-sandboxes.mjs'));
await buildSandboxes();

const port = await new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});
// Events on stdout (SANDBOX_EVENTS=1) for the pool's figures; no sandbox network: plain loopback.
const web = spawn(process.execPath, [join(root, 'sandboxes/dist/web.js'), '--name', 'web-01', '--listen', `:${port}`], {
  env: {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SANDBOX_'))),
    SANDBOX_EVENTS: '1',
  },
  stdio: ['pipe', 'pipe', 'inherit'],
});
const events = [];
eachEventLine(web.stdout, (event) => events.push(event));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
while (!events.some((e) => e.type === 'web.behaviour')) await sleep(20);
const { workers, backlog, service_ms } = events.find((e) => e.type === 'web.behaviour');
const capacity = (workers * 1000) / service_ms;
console.log(`web-01: ${workers} workers × ${service_ms} ms, backlog ${backlog}: at most ${capacity.toFixed(1)} req/s`);

const agent = new http.Agent({ keepAlive: true, maxSockets: 1000 });
function get() {
  const sent = performance.now();
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - sent }));
    });
    req.setTimeout(30_000, () => req.destroy());
    req.on('error', () => resolve({ status: 0, ms: performance.now() - sent }));
  });
}

const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
console.log('load   rate/s  sent  answered  refused  p50 ms  p95 ms  p99 ms  max waiting');
for (const load of loads) {
  const rate = capacity * load;
  const from = events.length;
  const answers = [];
  const start = performance.now();
  // Open loop, as the shell's `load` and real users: each request leaves on schedule whatever the earlier ones did.
  for (let i = 0; i < Math.round(rate * seconds); i++) {
    await sleep(Math.max(0, start + (i * 1000) / rate - performance.now()));
    answers.push(get());
  }
  const done = await Promise.all(answers);
  const ms = done.map((a) => a.ms).sort((a, b) => a - b);
  const refused = done.filter((a) => a.status === 503).length;
  const answered = done.filter((a) => a.status === 200).length;
  const waiting = Math.max(
    0,
    ...events
      .slice(from)
      .filter((e) => e.type === 'web.pool')
      .map((e) => e.max_queued),
  );
  console.log(
    [
      `${Math.round(load * 100)} %`.padEnd(6),
      rate.toFixed(1).padStart(6),
      String(done.length).padStart(5),
      String(answered).padStart(9),
      `${refused} (${Math.round((refused / done.length) * 100)} %)`.padStart(8),
      ...[50, 95, 99].map((p) => String(Math.round(percentile(ms, p))).padStart(7)),
      String(waiting).padStart(12),
    ].join(' '),
  );
  await sleep(1500); // let the queue drain before the next rate
}
web.kill('SIGKILL');
agent.destroy();
