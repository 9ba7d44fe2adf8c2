// The web server: `node web.js --name web-01 --listen :80 [--slow 300ms] [--flaky 0.2] [--frozen]`.
// It serves the app (a page that says who served it), /health and /metrics; see behaviour.ts for the faults and
// how to change them while it runs (a line on stdin).
import http from 'node:http';
import { parseArgs } from 'node:util';
import { openControlChannel } from '../shared/control-channel';
import { listen, myAddress } from '../shared/net';
import { log, report } from '../shared/report';
import { applyLine, describe, NORMAL, parseDuration, parseRatio, type Behaviour } from './behaviour';
import { createApp } from './app';
import { createMetrics } from './metrics';
import { storeFlags, useStore } from './store';

const USAGE = 'usage: web --name web-01 [--listen :80] [--slow 300ms] [--flaky 0.2] [--frozen] [--db HOST:PORT,... [--read-your-writes off|primary|wait]]';

function options() {
  try {
    const { values } = parseArgs({
      options: {
        name: { type: 'string' },
        listen: { type: 'string', default: ':80' },
        slow: { type: 'string' },
        flaky: { type: 'string' },
        frozen: { type: 'boolean', default: false },
        ...storeFlags,
      },
    });
    if (!values.name) throw new Error('--name is required (the name the server reports, e.g. web-01)');
    const behaviour: Behaviour = {
      slow_ms: values.slow ? parseDuration(values.slow) : NORMAL.slow_ms,
      flaky: values.flaky ? parseRatio(values.flaky) : NORMAL.flaky,
      frozen: values.frozen,
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

const server = http.createServer(createApp({ name, address: myAddress(), metrics: createMetrics(name) }, () => behaviour));
// Requests being answered, which a graceful stop waits for.
let answering = 0;
server.on('request', (_req, res) => {
  answering++;
  res.once('close', () => answering--);
});
try {
  const bound = await listen(server, address);
  log(`${name} listening on ${bound.host}:${bound.port} (${describe(behaviour)})`);
  if (database) log(`${name}: ${database}`);
  report({ type: 'web.listening', address: bound.host, port: bound.port });
  announce();
} catch (error) {
  process.stderr.write(`web: cannot listen on ${address}: ${(error as Error).message}\n`);
  process.exit(1);
}

openControlChannel({
  // Behaviour lines (`slow 300ms`, `frozen on`: a hung app in a live process); see behaviour.ts.
  command(line) {
    try {
      behaviour = applyLine(behaviour, line);
      log(`${name} is now ${describe(behaviour)}`, 'notice');
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
