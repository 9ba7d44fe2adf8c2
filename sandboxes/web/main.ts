// The web server: `node web.js --name web-01 --listen :80 [--workers 5] [--backlog 20] [--service-time 140ms]
// [--slow 300ms] [--flaky 0.2] [--frozen]`.
// It serves the app (a page that says who served it), /health and /metrics; see capacity.ts for how much it can do
// at once, behaviour.ts for the faults and how to change both while it runs (a line on stdin).
import http from 'node:http';
import { parseArgs } from 'node:util';
import { openControlChannel } from '../shared/control-channel';
import { listen, myAddress } from '../network/net';
import { log, report } from '../shared/report';
import { applyLine, DEFAULT_BEHAVIOUR, describe, describeChange, parseCount, parseDuration, parseRatio, type Behaviour } from './behaviour';
import { createApp } from './app';
import { describeCapacity, WorkerPool } from './capacity';
import { createMetrics } from './metrics';
import { storeFlags, useStore } from './store';

const USAGE = 'usage: web --name web-01 [--listen :80] [--workers 5] [--backlog 20] [--service-time 140ms] [--slow 300ms] [--flaky 0.2] [--frozen] [--db HOST:PORT,... [--read-your-writes off|primary|wait]]';

function options() {
  try {
    const { values } = parseArgs({
      options: {
        name: { type: 'string' },
        listen: { type: 'string', default: ':80' },
        slow: { type: 'string' },
        flaky: { type: 'string' },
        frozen: { type: 'boolean', default: false },
        workers: { type: 'string' },
        backlog: { type: 'string' },
        'service-time': { type: 'string' },
        ...storeFlags,
      },
    });
    if (!values.name) throw new Error('--name is required (the name the server reports, e.g. web-01)');
    const d = DEFAULT_BEHAVIOUR;
    const behaviour: Behaviour = {
      slow_ms: values.slow ? parseDuration(values.slow) : d.slow_ms,
      flaky: values.flaky ? parseRatio(values.flaky) : d.flaky,
      frozen: values.frozen,
      workers: values.workers ? parseCount(values.workers, 'workers') : d.workers,
      backlog: values.backlog ? parseCount(values.backlog, 'backlog') : d.backlog,
      service_ms: values['service-time'] ? parseDuration(values['service-time']) : d.service_ms,
    };
    return { name: values.name, listen: values.listen, behaviour, database: useStore(values) };
  } catch (error) {
    process.stderr.write(`web: ${(error as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
}

const { name, listen: address, behaviour: initial, database } = options();
let behaviour = initial;
const announce = () => report({ type: 'web.behaviour', ...behaviour });

const pool = new WorkerPool(behaviour);
const metrics = createMetrics(name, () => pool.now());
const server = http.createServer(createApp({ name, address: myAddress(), metrics }, () => behaviour, pool));
// Requests being answered, which a graceful stop waits for.
let answering = 0;
server.on('request', (_req, res) => {
  answering++;
  res.once('close', () => answering--);
});
try {
  const bound = await listen(server, address);
  log(`${name} listening on ${bound.host}:${bound.port} (${describe(behaviour)}; ${describeCapacity(behaviour)})`);
  if (database) log(`${name}: ${database}`);
  report({ type: 'web.listening', address: bound.host, port: bound.port });
  announce();
} catch (error) {
  process.stderr.write(`web: cannot listen on ${address}: ${(error as Error).message}\n`);
  process.exit(1);
}

// Once a second while the server has work, and once more when it falls idle: the pool's figures for the panel, and a
// warning in the log when it is saturated, as PHP-FPM warns "server reached pm.max_children setting".
let wasBusy = false;
let wasQueueing = false;
setInterval(() => {
  const sample = pool.sample();
  const busy = sample.busy + sample.queued + sample.started + sample.refused > 0;
  if (busy || wasBusy) report({ type: 'web.pool', ...sample });
  const queueing = sample.max_queued > 0;
  if (sample.refused > 0) {
    log(`${name}: answered ${sample.refused} request${sample.refused === 1 ? '' : 's'} with 503 in the last second: all ${sample.workers} workers busy and the backlog of ${sample.backlog} full`, 'warning');
  } else if (queueing && !wasQueueing) {
    log(`${name}: server reached its ${sample.workers} workers, requests wait in the backlog (PHP-FPM: "server reached pm.max_children setting (${sample.workers}), consider raising it")`, 'warning');
  }
  [wasBusy, wasQueueing] = [busy, queueing];
}, 1000).unref();

openControlChannel({
  // Behaviour lines (`slow 300ms`, `frozen on`: a hung app in a live process); see behaviour.ts.
  command(line) {
    try {
      const before = behaviour;
      behaviour = applyLine(behaviour, line);
      pool.resize(behaviour);
      const changed = Object.fromEntries(Object.entries(behaviour).filter(([k, v]) => before[k as keyof Behaviour] !== v));
      log(`${name} is now ${describeChange(behaviour, changed)}`, 'notice');
      announce();
    } catch (error) {
      process.stderr.write(`web: ${(error as Error).message}\n`);
    }
  },
  // A polite stop (systemctl stop, the supervisor's restart): stop accepting, finish what is in flight; a request
  // that would never finish (frozen on) gets one second.
  async stop() {
    server.close();
    const deadline = Date.now() + 1000;
    while (answering > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  },
});
