// A checkpoint: the whole table as it stood at one position of the log (the redo point), written atomically
// (temporary file, then rename), so recovery starts there and replays only the log after it, as PostgreSQL's
// redo starts at the last checkpoint instead of the beginning of time. The previous checkpoint is kept beside it
// (checkpoint.old.json), so a rewind whose divergence point is older than the newest one still starts from a
// checkpoint, not from the start of the log.
//
// The file is two lines: `{"redo":"0/1A2","tli":1}`, then the table as one JSON object. A file that does not
// parse (a damaged disk) is skipped: recovery then starts from the older checkpoint, or from the start of the log.
import { closeSync, existsSync, openSync, readFileSync, readSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatLsn, parseLsn, type Lsn } from '../contracts/lsn';

export interface Checkpoint {
  /** Where replay resumes: every record before it is in `table`, none after it. */
  redo: Lsn;
  tli: number;
  table: Map<string, string>;
}

const NEWEST = 'checkpoint.json';
const OLDER = 'checkpoint.old.json';

export function writeCheckpoint(dir: string, checkpoint: Checkpoint): void {
  const header = JSON.stringify({ redo: formatLsn(checkpoint.redo), tli: checkpoint.tli });
  const tmp = join(dir, `${NEWEST}.tmp`);
  writeFileSync(tmp, `${header}\n${JSON.stringify(Object.fromEntries(checkpoint.table))}\n`);
  if (existsSync(join(dir, NEWEST))) renameSync(join(dir, NEWEST), join(dir, OLDER));
  renameSync(tmp, join(dir, NEWEST));
}

/** The newest valid checkpoint whose redo point is at or before `limit`, or undefined (then replay from 0/0). */
export function readCheckpoint(dir: string, limit: Lsn): Checkpoint | undefined {
  for (const name of [NEWEST, OLDER]) {
    const path = join(dir, name);
    const header = readHeader(path);
    if (!header || header.redo > limit) continue;
    try {
      const text = readFileSync(path, 'utf8');
      const table = JSON.parse(text.slice(text.indexOf('\n') + 1)) as Record<string, string>;
      return { ...header, table: new Map(Object.entries(table)) };
    } catch {
      continue;
    }
  }
  return undefined;
}

/** Removes the checkpoints taken after `lsn` (or unreadable): the log they describe was discarded. */
export function discardCheckpointsAfter(dir: string, lsn: Lsn): void {
  for (const name of [NEWEST, OLDER]) {
    const path = join(dir, name);
    if (!existsSync(path)) continue;
    const header = readHeader(path);
    if (!header || header.redo > lsn) rmSync(path);
  }
}

/** The first line only: where a checkpoint's redo starts, without reading its table. */
function readHeader(path: string): { redo: Lsn; tli: number } | undefined {
  if (!existsSync(path)) return undefined;
  const fd = openSync(path, 'r');
  try {
    const bytes = Buffer.alloc(256);
    const line = bytes.subarray(0, readSync(fd, bytes, 0, bytes.length, 0)).toString();
    const parsed = JSON.parse(line.slice(0, line.indexOf('\n'))) as { redo: string; tli: number };
    return { redo: parseLsn(parsed.redo), tli: parsed.tli };
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
