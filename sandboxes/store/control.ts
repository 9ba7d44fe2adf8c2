// The node's control file (PostgreSQL's pg_control plus its standby.signal and timeline history files): what the
// node was when it stopped. Command-line flags only shape a fresh data directory; after that, this file decides,
// so a promoted standby restarts as a primary and a demoted primary restarts as a standby, as in PostgreSQL.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lsn } from '../contracts/lsn';

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
  /** Redo point of the latest checkpoint (pg_control's "Latest checkpoint location"): the log reaches at least here. */
  checkpoint?: Lsn;
}

const file = (dir: string) => join(dir, 'control.json');

/**
 * The control file, checked field by field: a wrong one stops the server with a FATAL naming the field, and
 * nothing is overwritten (PostgreSQL refuses to start on a control file it cannot trust).
 */
export function readControl(dir: string): Control | undefined {
  if (!existsSync(file(dir))) return undefined;
  const problem = (what: string) =>
    new Error(
      `invalid data in control file "${file(dir)}": ${what}. Nothing was changed; restore the file from a copy, or remove the data directory to start this node afresh`,
    );
  let control: Record<string, unknown>;
  try {
    control = JSON.parse(readFileSync(file(dir), 'utf8'));
  } catch (error) {
    throw problem(`not JSON (${(error as Error).message})`);
  }
  if (typeof control !== 'object' || control === null || Array.isArray(control))
    throw problem('expected a JSON object');
  const { role, primary_conninfo, timeline, history, state, leased, checkpoint } = control;
  if (role !== 'primary' && role !== 'standby')
    throw problem(`role ${JSON.stringify(role)} (expected "primary" or "standby")`);
  if (
    primary_conninfo !== undefined &&
    (typeof primary_conninfo !== 'string' || !/^[^\s:]+:\d{1,5}$/.test(primary_conninfo))
  ) {
    throw problem(`primary_conninfo ${JSON.stringify(primary_conninfo)} (expected "HOST:PORT")`);
  }
  if (role === 'standby' && primary_conninfo === undefined) throw problem('a standby without primary_conninfo');
  if (!isLsn(timeline) || timeline < 1)
    throw problem(`timeline ${JSON.stringify(timeline)} (expected a whole number, 1 or more)`);
  if (
    !Array.isArray(history) ||
    !history.every((h) => isLsn(h?.tli) && h.tli >= 1 && h.tli < timeline && isLsn(h?.end))
  ) {
    throw problem(`history ${JSON.stringify(history)} (expected [{"tli": n, "end": lsn}, ...] of earlier timelines)`);
  }
  if (state !== 'in production' && state !== 'shut down')
    throw problem(`state ${JSON.stringify(state)} (expected "in production" or "shut down")`);
  if (typeof leased !== 'boolean') throw problem(`leased ${JSON.stringify(leased)} (expected true or false)`);
  if (checkpoint !== undefined && !isLsn(checkpoint))
    throw problem(`checkpoint ${JSON.stringify(checkpoint)} (expected a log position)`);
  return control as unknown as Control;
}

const isLsn = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

export function writeControl(dir: string, control: Control): void {
  const tmp = `${file(dir)}.tmp`;
  writeFileSync(tmp, JSON.stringify(control, null, 2) + '\n');
  renameSync(tmp, file(dir));
}

/** Where timeline `tli` ended according to `history`, or undefined when it is still the current one. */
export function timelineEnd(history: TimelineSwitch[], tli: number): Lsn | undefined {
  return history.find((entry) => entry.tli === tli)?.end;
}
