// store: a replicated key-value store modelled on PostgreSQL streaming replication.
//
//   node store.js primary --listen :5432 [--data DIR] [--mode async|semi-sync|sync] [--semi-sync-timeout MS]
//   node store.js standby --listen :5432 --primary 10.0.0.21:5432 [--data DIR] [--recovery-min-apply-delay MS]
//   node store.js monitor --nodes db-01=10.0.0.21:5432,db-02=10.0.0.22:5432 [--interval MS] [--misses N] [--fencing on|off]
//   node store.js monitor --config failover.conf        (the same settings in a file; `reload` re-reads it)
//
// `primary` and `standby` only shape a fresh data directory: afterwards its control file decides the role (a
// promoted standby restarts as primary, a fenced primary restarts as standby), as in PostgreSQL.
import { parseArgs } from 'node:util';
import { StoreNode } from './node';
import { Monitor } from './monitor';
import { MODES, type Mode } from './syncrep';
import { completeMonitorOptions, parseMonitorConfig, setting } from './monitor-config';
import type { MonitorOptions } from './monitor';
import { log } from '../shared/report';
import { openControlChannel } from '../shared/control-channel';
import { readSessionFile, sessionDirectory, strerror } from '../shared/session-folder';

const USAGE = `usage:
  store primary --listen [HOST]:PORT [--data DIR] [--mode async|semi-sync|sync] [--semi-sync-timeout MS] [--name NAME] [--metrics :9187]
  store standby --listen [HOST]:PORT --primary HOST:PORT [--data DIR] [--recovery-min-apply-delay MS] [--name NAME] [--metrics :9187]
  store monitor --nodes NAME=HOST:PORT,... [--interval MS] [--misses N] [--fencing on|off]
  store monitor --config failover.conf`;

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

/** The data directory, inside the session folder; PostgreSQL's words for one it cannot use. */
function dataDirectory(dir: string): string {
  try {
    return sessionDirectory(dir);
  } catch {
    process.stderr.write(`store: FATAL:  data directory "${dir}" does not exist\n`);
    process.exit(1);
  }
}

function configText(file: string): string {
  try {
    return readSessionFile(file);
  } catch (error) {
    throw new Error(`could not open configuration file "${file}": ${strerror(error)}`);
  }
}

const [role, ...rest] = process.argv.slice(2);
let values: Record<string, string | undefined>;
try {
  values = parseArgs({
    args: rest,
    options: Object.fromEntries(
      ['listen', 'data', 'mode', 'semi-sync-timeout', 'primary', 'recovery-min-apply-delay', 'name', 'max-value-bytes', 'metrics', 'nodes', 'interval', 'misses', 'fencing', 'config'].map(
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
  if (!/^[A-Za-z0-9][\w.-]*$/.test(name)) fail(`--name ${name}: a node name is letters, digits, '-', '_' and '.', e.g. db-01`);
  const node = new StoreNode({
    name,
    listen: values.listen,
    dir: dataDirectory(values.data ?? `data/${name}`),
    standbyOf: role === 'standby' ? values.primary : undefined,
    mode,
    // MySQL's rpl_semi_sync_source_timeout default: 10 s.
    semiSyncTimeoutMs: number('semi-sync-timeout', values['semi-sync-timeout'], 10_000),
    applyDelayMs: number('recovery-min-apply-delay', values['recovery-min-apply-delay'], 0),
    maxValueBytes: number('max-value-bytes', values['max-value-bytes'], 64 * 1024, 1),
    metrics: values.metrics,
  });
  node.start().then(
    // The store has no configuration file of its own (its settings are flags): stdin takes stop, freeze and resume.
    () => openControlChannel({ stop: () => node.stop() }),
    (error) => {
      process.stderr.write(`store: FATAL:  ${(error as Error).message}\n`);
      process.exit(1);
    },
  );
  process.on('SIGTERM', () => void node.stop().then(() => process.exit(0)));
  process.on('SIGINT', () => void node.stop().then(() => process.exit(0)));
} else if (role === 'monitor') {
  // Settings from --config FILE, overridden by flags; `reload` re-reads the file, as PostgreSQL reloads its own.
  const load = (): MonitorOptions => {
    const fromFile = values.config ? parseMonitorConfig(configText(values.config), values.config) : {};
    const fromFlags = Object.assign(
      {},
      ...(['nodes', 'interval', 'misses', 'fencing'] as const).flatMap((name) => (values[name] === undefined ? [] : [setting(name, values[name]!, `--${name}`)])),
    );
    return completeMonitorOptions({ ...fromFile, ...fromFlags }, values.config ?? 'monitor');
  };
  let monitor: Monitor;
  try {
    monitor = new Monitor(load());
  } catch (error) {
    fail((error as Error).message);
  }
  monitor.start();
  openControlChannel({
    reload() {
      log('LOG:  received SIGHUP, reloading configuration files');
      try {
        monitor.configure(load());
        return { files: values.config ? [values.config] : [], errors: [] };
      } catch (error) {
        log(`LOG:  configuration file "${values.config}" contains errors; no changes were applied: ${(error as Error).message}`, 'error');
        return { files: values.config ? [values.config] : [], errors: [(error as Error).message] };
      }
    },
    stop: () => monitor.stop(),
  });
  process.on('SIGTERM', () => (monitor.stop(), process.exit(0)));
  process.on('SIGINT', () => (monitor.stop(), process.exit(0)));
} else {
  fail(role ? `unknown role '${role}'` : 'missing role');
}
