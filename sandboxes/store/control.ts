// The node's control file (PostgreSQL's pg_control plus its standby.signal and timeline history files): what the
// node was when it stopped. Command-line flags only shape a fresh data directory; after that, this file decides,
// so a promoted standby restarts as a primary and a demoted primary restarts as a standby, as in PostgreSQL.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lsn } from './lsn';

export interface TimelineSwitch {
  /** The timeline that ended. */
  tli: number;
  /** Where it ended: the first byte the next timeline wrote (the "switchpoint" of a .history file). */
  end: Lsn;
}

export interface Control {
  role: 'primary' | 'standby';
  /** The primary a standby streams from (PostgreSQL's primary_conninfo), "host:port". */
  primary_conninfo?: string;
  /** Current timeline ID: 1 at initdb, +1 at every promotion. It doubles as the failover term. */
  timeline: number;
  /** Ended timelines, oldest first (the contents of 00000002.history and its predecessors). */
  history: TimelineSwitch[];
  /** 'in production' while running; 'shut down' after a clean stop. Anything else at start means a crash. */
  state: 'in production' | 'shut down';
  /** Set once a failover monitor with fencing has taken charge: the node then needs its lease to accept writes. */
  leased: boolean;
}

const file = (dir: string) => join(dir, 'control.json');

export function readControl(dir: string): Control | undefined {
  return existsSync(file(dir)) ? (JSON.parse(readFileSync(file(dir), 'utf8')) as Control) : undefined;
}

export function writeControl(dir: string, control: Control): void {
  const tmp = `${file(dir)}.tmp`;
  writeFileSync(tmp, JSON.stringify(control, null, 2) + '\n');
  renameSync(tmp, file(dir));
}

/** Where timeline `tli` ended according to `history`, or undefined when it is still the current one. */
export function timelineEnd(history: TimelineSwitch[], tli: number): Lsn | undefined {
  return history.find((entry) => entry.tli === tli)?.end;
}
