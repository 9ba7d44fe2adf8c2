// The store's command line: its options, its usage and the flags that carry settings, read the way the same
// settings in store.conf or failover.conf are read (so `--semi-sync-timeout 2s` and `semi_sync_timeout = 2s` agree).
import { readCommandLine, refuse } from '../shared/command-line';

const text = { type: 'string' } as const;
const COMMAND_LINE = {
  // prettier-ignore
  options: { listen: text, data: text, mode: text, 'semi-sync-timeout': text, primary: text, 'recovery-min-apply-delay': text, name: text, 'max-value-bytes': text, metrics: text, nodes: text, interval: text, misses: text, fencing: text, config: text },
  positionals: true,
  usage: `usage:
  store primary --listen [HOST]:PORT [--data DIR] [--config store.conf] [--mode async|semi-sync|sync] [--semi-sync-timeout MS] [--name NAME] [--metrics :9187]
  store standby --listen [HOST]:PORT --primary HOST:PORT [--data DIR] [--config store.conf] [--mode ...] [--recovery-min-apply-delay MS] [--name NAME] [--metrics :9187]
  store monitor --nodes NAME=HOST:PORT,... [--interval MS] [--misses N] [--fencing on|off]
  store monitor --config failover.conf`,
  complaint: (problem: string) => `store: ${problem}`,
} as const;

export const { values, positionals } = readCommandLine(COMMAND_LINE);

export function fail(problem: string): never {
  return refuse(COMMAND_LINE, problem);
}

/** A flag's number (`--recovery-min-apply-delay 500` or `500ms`), at least `min`. */
export function number(flag: 'recovery-min-apply-delay' | 'max-value-bytes', fallback: number, min = 0): number {
  const given = values[flag];
  if (given === undefined) return fallback;
  const value = Number(given.replace(/ms$/, ''));
  if (!Number.isFinite(value) || value < min) fail(`--${flag} ${given}: expected a number of at least ${min}`);
  return value;
}

/** The settings the flags give, checked as the same settings in the file are (`--semi-sync-timeout` is semi_sync_timeout). */
export function flagSettings<T>(
  names: ('mode' | 'semi-sync-timeout' | 'nodes' | 'interval' | 'misses' | 'fencing')[],
  check: (name: string, value: string, where: string) => Partial<T>,
): Partial<T> {
  return Object.assign(
    {},
    ...names.flatMap((name) =>
      values[name] === undefined ? [] : [check(name.replaceAll('-', '_'), values[name], `--${name}`)],
    ),
  );
}
