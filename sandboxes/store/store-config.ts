// The database nodes' settings file, store.conf: every node reads it at start and again on reload
// (pg_reload_conf()), as every PostgreSQL server reads postgresql.conf. The replication mode lives here, so it
// survives a restart and a failover: a promoted standby acknowledges commits as the file says, as a Patroni
// cluster applies one configuration (kept in its DCS) to every member.
//
//   # store.conf
//   mode              = sync      # async | semi-sync | sync: when a commit is acknowledged
//   semi_sync_timeout = 10000ms   # semi-sync falls back to async after this long (rpl_semi_sync_source_timeout)
//
// Command-line flags of the same names (--mode, --semi-sync-timeout) override the file, as `postgres -c` does.
import type { ParsedConfig } from '../shared/parsed-config';
import { loadSettings, parseSettings } from './conf';
import { MODES, type Mode } from './syncrep';

export interface StoreSettings {
  mode: Mode;
  semiSyncTimeoutMs: number;
  /** Bytes of log between two checkpoints (PostgreSQL's max_wal_size): what a restart or a rewind replays at most. */
  maxWalSize: number;
}

/** PostgreSQL's default is asynchronous; MySQL's rpl_semi_sync_source_timeout is 10 s; checkpoints every 4 MB. */
export const DEFAULT_SETTINGS: StoreSettings = {
  mode: 'async',
  semiSyncTimeoutMs: 10_000,
  maxWalSize: 4 * 1024 * 1024,
};

const UNITS: Record<string, number> = { '': 1, B: 1, kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };

export function parseStoreConfig(text: string, file: string): ParsedConfig<Partial<StoreSettings>> {
  return parseSettings(text, file, storeSetting);
}

/** The settings a node runs with: the defaults, then store.conf (if any), then the flags; throws for a bad file. */
export function loadStoreSettings(file: string | undefined, flags: Partial<StoreSettings>): StoreSettings {
  return { ...DEFAULT_SETTINGS, ...loadSettings(file, storeSetting), ...flags };
}

export function storeSetting(name: string, value: string, where: string): Partial<StoreSettings> {
  switch (name) {
    case 'mode':
      if (!MODES.includes(value as Mode))
        throw new Error(
          `${where}: invalid value for parameter "mode": "${value}" (available values: ${MODES.join(', ')})`,
        );
      return { mode: value as Mode };
    case 'semi_sync_timeout': {
      const ms = Number(value.replace(/ms$/, ''));
      if (!Number.isFinite(ms) || ms < 0)
        throw new Error(
          `${where}: invalid value for parameter "semi_sync_timeout": "${value}" (milliseconds, e.g. 10000ms)`,
        );
      return { semiSyncTimeoutMs: ms };
    }
    case 'max_wal_size': {
      const match = /^(\d+)\s*(B|kB|MB|GB)?$/.exec(value);
      const bytes = match ? Number(match[1]) * UNITS[match[2] ?? ''] : NaN;
      if (!(bytes >= 1024))
        throw new Error(
          `${where}: invalid value for parameter "max_wal_size": "${value}" (a size of at least 1kB, e.g. 4MB)`,
        );
      return { maxWalSize: bytes };
    }
    default:
      throw new Error(
        `${where}: unrecognized configuration parameter "${name}" (known: mode, semi_sync_timeout, max_wal_size)`,
      );
  }
}

/** The store.conf a scenario starts with. */
export function storeConf(mode: Mode = 'async', maxWalSize = '4MB'): string {
  return `# store.conf: settings every database node reads at start and on reload (as postgresql.conf).
# \`db mode sync\` edits this file and reloads every node (ALTER SYSTEM, then pg_reload_conf()).
# mode: when the primary acknowledges a commit
#   async     once on its own disk (PostgreSQL's default)
#   semi-sync once one standby has received it; falls back to async after semi_sync_timeout (MySQL)
#   sync      once the synchronous standby has flushed it; waits forever without one (synchronous_commit = on)
mode              = ${mode}
semi_sync_timeout = 10000ms
# a checkpoint (the table as of one log position) every max_wal_size of log: restarts replay only what follows it
max_wal_size      = ${maxWalSize}
`;
}
