// store: a replicated key-value store modelled on PostgreSQL streaming replication (README.md maps the files).
//
//   node store.js primary --listen :5432 [--data DIR] [--config store.conf] [--mode async|semi-sync|sync] [--semi-sync-timeout MS]
//   node store.js standby --listen :5432 --primary 10.0.0.21:5432 [--data DIR] [--recovery-min-apply-delay MS]
//   node store.js monitor --nodes db-01=10.0.0.21:5432,db-02=10.0.0.22:5432 [--interval MS] [--misses N] [--fencing on|off]
//   node store.js monitor --config failover.conf        (the same settings in a file; `reload` re-reads it)
//
// `primary` and `standby` only shape a fresh data directory: afterwards its control file decides the role (a
// promoted standby restarts as primary, a fenced primary restarts as standby), as in PostgreSQL.
import { openControlChannel } from '../shared/control-channel';
import { sessionDirectory } from '../shared/session-folder';
import { fail, flagSettings, number, positionals, values } from './command-line';
import { Monitor } from './failover-monitor';
import { loadMonitorOptions, setting } from './failover-monitor-config';
import { StoreNode } from './node';
import { loadStoreSettings, storeSetting } from './store-config';

const onSignals = (stop: () => unknown) =>
  ['SIGTERM', 'SIGINT'].forEach((signal) => process.on(signal, async () => (await stop(), process.exit(0))));

const [role, ...extra] = positionals;
const files = values.config ? [values.config] : [];
if (extra.length) fail(`unexpected argument '${extra[0]}'`);
try {
  if (role === 'primary' || role === 'standby')
    startNode(role, values.listen ?? fail(`${role}: --listen is required (e.g. --listen :5432)`));
  else if (role === 'monitor') startMonitor();
  else fail(role ? `unknown role '${role}'` : 'missing role');
} catch (error) {
  fail((error as Error).message); // a bad flag value, an unreadable file
}

function startNode(role: 'primary' | 'standby', listen: string): void {
  if (role === 'standby' && !values.primary) fail('standby: --primary HOST:PORT is required (primary_conninfo)');
  // store.conf (read again on every reload), then the flags, which win as `postgres -c` does.
  const flags = flagSettings(['mode', 'semi-sync-timeout'], storeSetting);
  const name = values.name ?? process.env.SANDBOX_NODE ?? 'store';
  if (!/^[A-Za-z0-9][\w.-]*$/.test(name))
    fail(`--name ${name}: a node name is letters, digits, '-', '_' and '.', e.g. db-01`);
  const node = new StoreNode({
    name,
    listen,
    dir: dataDirectory(values.data ?? `data/${name}`),
    standbyOf: role === 'standby' ? values.primary : undefined,
    settings: () => loadStoreSettings(values.config, flags),
    applyDelayMs: number('recovery-min-apply-delay', 0),
    maxValueBytes: number('max-value-bytes', 64 * 1024, 1),
    metrics: values.metrics,
  });
  // `reload` is pg_reload_conf(): store.conf read again, a file with errors changing nothing.
  const reload = () => ((answer) => ({ files, errors: answer.ok ? [] : [String(answer.error)] }))(node.reload());
  node.start().then(
    () => openControlChannel({ reload, stop: () => node.stop() }),
    (error) => {
      process.stderr.write(`store: FATAL:  ${(error as Error).message}\n`);
      process.exit(1);
    },
  );
  onSignals(() => node.stop());
}

function startMonitor(): void {
  // Settings from --config FILE, overridden by flags; `reload` re-reads the file, as PostgreSQL reloads its own.
  const load = () =>
    loadMonitorOptions(values.config, flagSettings(['nodes', 'interval', 'misses', 'fencing'], setting));
  const monitor = new Monitor(load());
  monitor.start();
  openControlChannel({
    reload: () => ({ files, errors: monitor.reload(load, values.config) }),
    stop: () => monitor.stop(),
  });
  onSignals(() => monitor.stop());
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
