// The failover monitor's settings file, in the `name = value` style of postgresql.conf and repmgr.conf:
//
//   # failover.conf
//   nodes    = db-01=10.0.0.21:5432, db-02=10.0.0.22:5432, db-03=10.0.0.23:5432
//   interval = 1000ms     # heartbeat every interval
//   misses   = 3          # missed heartbeats in a row before the primary is declared down
//   fencing  = on         # on: leases and demotion of a returning old primary; off: split brain is possible
//
// Errors name the file and line. Command-line flags of the same names override the file.
import type { MonitorOptions } from './failover-monitor';
import type { ParsedConfig } from '../shared/parsed-config';
import { loadSettings, parseSettings } from './conf';

export function parseMonitorConfig(text: string, file: string): ParsedConfig<Partial<MonitorOptions>> {
  return parseSettings(text, file, setting);
}

/** The settings a monitor runs with: failover.conf (if any), then the flags; throws for a bad file or a bad mix. */
export function loadMonitorOptions(file: string | undefined, flags: Partial<MonitorOptions>): MonitorOptions {
  return completeMonitorOptions({ ...loadSettings(file, setting), ...flags }, file ?? 'monitor');
}

export function setting(name: string, value: string, where: string): Partial<MonitorOptions> {
  switch (name) {
    case 'nodes':
      return {
        nodes: value.split(',').map((entry) => {
          const [node, address] = entry.trim().split('=');
          if (!node || !address || !/:\d+$/.test(address))
            throw new Error(`${where}: nodes: '${entry.trim()}' is not NAME=HOST:PORT`);
          return { name: node, address };
        }),
      };
    case 'interval': {
      const ms = Number(value.replace(/ms$/, ''));
      if (!Number.isFinite(ms) || ms < 10)
        throw new Error(`${where}: interval = ${value}: expected milliseconds, at least 10 (e.g. 1000ms)`);
      return { intervalMs: ms };
    }
    case 'misses': {
      const misses = Number(value);
      if (!Number.isInteger(misses) || misses < 1)
        throw new Error(`${where}: misses = ${value}: expected a whole number, at least 1`);
      return { misses };
    }
    case 'fencing':
      if (value !== 'on' && value !== 'off') throw new Error(`${where}: fencing = ${value}: expected on or off`);
      return { fencing: value === 'on' };
    default:
      throw new Error(
        `${where}: unrecognized configuration parameter "${name}" (known: nodes, interval, misses, fencing)`,
      );
  }
}

/** The settings a monitor needs, checked together (fencing needs at least two misses for its lease). */
function completeMonitorOptions(options: Partial<MonitorOptions>, where: string): MonitorOptions {
  if (!options.nodes?.length) throw new Error(`${where}: nodes is required (NAME=HOST:PORT, ...)`);
  const complete: MonitorOptions = {
    nodes: options.nodes,
    intervalMs: options.intervalMs ?? 1000,
    misses: options.misses ?? 3,
    fencing: options.fencing ?? true,
  };
  if (complete.fencing && complete.misses < 2)
    throw new Error(`${where}: misses must be at least 2 with fencing on: the lease is (misses − 0.5) × interval`);
  return complete;
}
