// store: a replicated key-value store modelled on PostgreSQL streaming replication.
//
//   node store.js primary --listen :5432 [--data DIR] [--mode async|semi-sync|sync] [--semi-sync-timeout MS]
//   node store.js standby --listen :5432 --primary 10.0.0.21:5432 [--data DIR] [--recovery-min-apply-delay MS]
//   node store.js monitor --nodes db-01=10.0.0.21:5432,db-02=10.0.0.22:5432 [--interval MS] [--misses N] [--fencing on|off]
//
// `primary` and `standby` only shape a fresh data directory: afterwards its control file decides the role (a
// promoted standby restarts as primary, a fenced primary restarts as standby), as in PostgreSQL.
import { parseArgs } from 'node:util';
import { StoreNode } from './node';
import { Monitor } from './monitor';
import { MODES, type Mode } from './syncrep';

const USAGE = `usage:
  store primary --listen [HOST]:PORT [--data DIR] [--mode async|semi-sync|sync] [--semi-sync-timeout MS] [--name NAME]
  store standby --listen [HOST]:PORT --primary HOST:PORT [--data DIR] [--recovery-min-apply-delay MS] [--name NAME]
  store monitor --nodes NAME=HOST:PORT,... [--interval MS] [--misses N] [--fencing on|off]`;

function fail(problem: string): never {
  process.stderr.write(`store: ${problem}\n${USAGE}\n`);
  process.exit(2);
}

function number(flag: string, text: string | undefined, fallback: number, min = 0): number {
  if (text === undefined) return fallback;
  const value = Number(text.replace(/ms$/, ''));
  if (!Number.isFinite(value) || value < min) fail(`--${flag} ${text}: expected a number of at least ${min}`);
  return value;
}

const [role, ...rest] = process.argv.slice(2);
let values: Record<string, string | undefined>;
try {
  values = parseArgs({
    args: rest,
    options: Object.fromEntries(
      ['listen', 'data', 'mode', 'semi-sync-timeout', 'primary', 'recovery-min-apply-delay', 'name', 'max-value-bytes', 'nodes', 'interval', 'misses', 'fencing'].map(
        (name) => [name, { type: 'string' as const }],
      ),
    ),
  }).values;
} catch (error) {
  fail((error as Error).message);
}

if (role === 'primary' || role === 'standby') {
  if (!values.listen) fail(`${role}: --listen is required (e.g. --listen :5432)`);
  if (role === 'standby' && !values.primary) fail('standby: --primary HOST:PORT is required (primary_conninfo)');
  const mode = (values.mode ?? 'async') as Mode;
  if (!MODES.includes(mode)) fail(`--mode ${values.mode}: expected one of ${MODES.join(', ')}`);
  const name = values.name ?? process.env.SANDBOX_NODE ?? 'store';
  const node = new StoreNode({
    name,
    listen: values.listen,
    dir: values.data ?? `data/${name}`,
    standbyOf: role === 'standby' ? values.primary : undefined,
    mode,
    // MySQL's rpl_semi_sync_source_timeout default: 10 s.
    semiSyncTimeoutMs: number('semi-sync-timeout', values['semi-sync-timeout'], 10_000),
    applyDelayMs: number('recovery-min-apply-delay', values['recovery-min-apply-delay'], 0),
    maxValueBytes: number('max-value-bytes', values['max-value-bytes'], 64 * 1024, 1),
  });
  node.start().catch((error) => {
    process.stderr.write(`store: FATAL:  ${(error as Error).message}\n`);
    process.exit(1);
  });
  process.on('SIGTERM', () => void node.stop().then(() => process.exit(0)));
  process.on('SIGINT', () => void node.stop().then(() => process.exit(0)));
} else if (role === 'monitor') {
  if (!values.nodes) fail('monitor: --nodes NAME=HOST:PORT,... is required');
  const nodes = values.nodes.split(',').map((entry) => {
    const [name, address] = entry.split('=');
    if (!name || !address || !/:\d+$/.test(address)) fail(`--nodes: '${entry}' is not NAME=HOST:PORT`);
    return { name, address };
  });
  const misses = number('misses', values.misses, 3, 1);
  const fencing = (values.fencing ?? 'on') === 'on';
  if (!['on', 'off', undefined].includes(values.fencing)) fail(`--fencing ${values.fencing}: expected on or off`);
  if (fencing && misses < 2) fail('--misses must be at least 2 with fencing on: the lease is (misses − 0.5) × interval');
  const monitor = new Monitor({ nodes, intervalMs: number('interval', values.interval, 1000, 10), misses, fencing });
  monitor.start();
  process.on('SIGTERM', () => (monitor.stop(), process.exit(0)));
  process.on('SIGINT', () => (monitor.stop(), process.exit(0)));
} else {
  fail(role ? `unknown role '${role}'` : 'missing role');
}
