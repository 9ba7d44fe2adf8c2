// The web server: `node web.js --name web-01 --listen :80 [--workers 5] [--backlog 20] [--service-time 140ms]
// [--slow 300ms] [--flaky 0.2] [--frozen]`. README.md says what it serves and how much it can do; server.ts is the
// process, app.ts the pages, capacity.ts the workers, behaviour.ts the faults and how to change both while it runs.
import { readCommandLine, refuse } from '../shared/command-line';
import { openControlChannel } from '../shared/control-channel';
import { DEFAULT_BEHAVIOUR as d, parseCount, parseDuration, parseRatio, type Behaviour } from './behaviour';
import { WebServer } from './server';
import { storeFlags, useStore } from './database';

const COMMAND_LINE = {
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
  usage:
    'usage: web --name web-01 [--listen :80] [--workers 5] [--backlog 20] [--service-time 140ms] [--slow 300ms] [--flaky 0.2] [--frozen] [--db HOST:PORT,... [--read-your-writes off|primary|wait]]',
  complaint: (problem: string) => `web: ${problem}`,
} as const;

const { values } = readCommandLine(COMMAND_LINE);
const name = values.name ?? refuse(COMMAND_LINE, '--name is required (the name the server reports, e.g. web-01)');
let behaviour: Behaviour;
let database: string | undefined;
try {
  behaviour = {
    slow_ms: values.slow ? parseDuration(values.slow) : d.slow_ms,
    flaky: values.flaky ? parseRatio(values.flaky) : d.flaky,
    frozen: values.frozen,
    workers: values.workers ? parseCount(values.workers, 'workers') : d.workers,
    backlog: values.backlog ? parseCount(values.backlog, 'backlog') : d.backlog,
    service_ms: values['service-time'] ? parseDuration(values['service-time']) : d.service_ms,
  };
  database = useStore(values);
} catch (error) {
  refuse(COMMAND_LINE, (error as Error).message);
}

const server = new WebServer(name, behaviour);
try {
  await server.listen(values.listen, database);
} catch (error) {
  process.stderr.write(`web: cannot listen on ${values.listen}: ${(error as Error).message}\n`);
  process.exit(1);
}
openControlChannel({
  command(line) {
    try {
      server.change(line);
    } catch (error) {
      process.stderr.write(`web: ${(error as Error).message}\n`);
    }
  },
  stop: () => server.stop(),
});
