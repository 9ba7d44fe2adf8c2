// A checkpoint: the whole table as it stood at one position of the log (the redo point), written atomically
// (temporary file, then rename), so recovery starts there and replays only the log after it, as PostgreSQL's
// redo starts at the last checkpoint instead of the beginning of time. The previous checkpoint is kept beside it
// (checkpoint.old.json), so a rewind whose divergence point is older than the newest one still starts from a
// checkpoint, not from the start of the log.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32c } from './crc32c';
import { formatLsn, parseLsn, type Lsn } from './lsn';

export interface Checkpoint {
  /** Where replay resumes: every record before it is in `table`, none after it. */
  redo: Lsn;
  tli: number;
  table: Map<string, string>;
}

const NEWEST = 'checkpoint.json';
const OLDER = 'checkpoint.old.json';

export function writeCheckpoint(dir: string, checkpoint: Checkpoint): void {
  const body = JSON.stringify({ redo: formatLsn(checkpoint.redo), tli: checkpoint.tli, table: Object.fromEntries(checkpoint.table) });
  const tmp = join(dir, `${NEWEST}.tmp`);
  writeFileSync(tmp, `${crc32c(Buffer.from(body)).toString(16).padStart(8, '0')} ${body}\n`);
  if (existsSync(join(dir, NEWEST))) renameSync(join(dir, NEWEST), join(dir, OLDER));
  renameSync(tmp, join(dir, NEWEST));
}

/** The newest valid checkpoint whose redo point is at or before `limit`, or undefined (then replay from 0/0). */
export function readCheckpoint(dir: string, limit: Lsn): Checkpoint | undefined {
  for (const name of [NEWEST, OLDER]) {
    const checkpoint = parse(join(dir, name));
    if (checkpoint && checkpoint.redo <= limit) return checkpoint;
  }
  return undefined;
}

function parse(path: string): Checkpoint | undefined {
  if (!existsSync(path)) return undefined;
  const text = readFileSync(path, 'utf8').trimEnd();
  const space = text.indexOf(' ');
  const body = text.slice(space + 1);
  if (space !== 8 || crc32c(Buffer.from(body)).toString(16).padStart(8, '0') !== text.slice(0, 8)) return undefined;
  try {
    const parsed = JSON.parse(body) as { redo: string; tli: number; table: Record<string, string> };
    return { redo: parseLsn(parsed.redo), tli: parsed.tli, table: new Map(Object.entries(parsed.table)) };
  } catch {
    return undefined;
  }
}

/** Removes the checkpoints taken after `lsn`: a rewind discarded the log they describe. */
export function discardCheckpointsAfter(dir: string, lsn: Lsn): void {
  for (const name of [NEWEST, OLDER]) {
    const path = join(dir, name);
    const checkpoint = parse(path);
    if (existsSync(path) && (!checkpoint || checkpoint.redo > lsn)) rmSync(path);
  }
}
