// The write-ahead log: every change is a record appended to one file and flushed to disk (fsync) before the write
// is acknowledged, as PostgreSQL does with its WAL. A record is one line a learner can read with `cat`:
//
//   {"lsn":"0/1A2","tli":1,"ts":1764079200000,"op":"set","key":"user:1","value":"alice","crc":"8f2a9c1d"}
//
// `lsn` is the byte position where the record starts, `tli` the timeline it was written on, `crc` a CRC-32C of
// everything before it. On restart the log is read from the start; the first record that is torn (no newline: the
// crash hit mid-write) or corrupt (checksum mismatch) ends recovery there, as PostgreSQL's redo stops at the first
// invalid record, and the tail from that point is truncated, never applied.
import { open, type FileHandle } from 'node:fs/promises';
import { closeSync, existsSync, fstatSync, openSync, readSync, writeFileSync } from 'node:fs';
import { crc32c } from './crc32c';
import { formatLsn, parseLsn, type Lsn } from '../contracts/lsn';
import { log } from '../shared/report';

export interface Change {
  op: 'set' | 'del';
  key: string;
  value?: string;
}

export interface WalRecord extends Change {
  lsn: Lsn;
  /** Timeline the record was written on. */
  tli: number;
  /** Commit time on the primary (ms since the epoch): what replay delay and replay lag are measured against. */
  ts: number;
}

const NEWLINE = 0x0a;
const CRC_TAIL = /,"crc":"([0-9a-f]{8})"}$/;

export function encodeRecord(record: WalRecord): Buffer {
  const { lsn, tli, ts, op, key, value } = record;
  const body = JSON.stringify({ lsn: formatLsn(lsn), tli, ts, op, key, ...(value === undefined ? {} : { value }) });
  const crc = crc32c(Buffer.from(body)).toString(16).padStart(8, '0');
  return Buffer.from(`${body.slice(0, -1)},"crc":"${crc}"}\n`);
}

/** Why a record could not be read: the same wording PostgreSQL's redo uses when it stops. */
export interface Invalid {
  at: Lsn;
  reason: string;
}

/** Decodes one line (without its newline) found at byte position `at`. */
export function decodeRecord(line: Buffer, at: Lsn): WalRecord | Invalid {
  const text = line.toString();
  const tail = CRC_TAIL.exec(text);
  if (!tail) return { at, reason: `invalid record at ${formatLsn(at)}: no checksum` };
  const body = text.slice(0, tail.index) + '}';
  if (crc32c(Buffer.from(body)).toString(16).padStart(8, '0') !== tail[1]) {
    return { at, reason: `incorrect resource manager data checksum in record at ${formatLsn(at)}` };
  }
  let parsed: { lsn: string; tli: number; ts: number; op: 'set' | 'del'; key: string; value?: string };
  try {
    parsed = JSON.parse(body);
  } catch {
    return { at, reason: `invalid record at ${formatLsn(at)}: not a WAL record` };
  }
  if (parsed.lsn !== formatLsn(at)) {
    return { at, reason: `unexpected record address ${parsed.lsn} in record at ${formatLsn(at)}` };
  }
  return { ...parsed, lsn: parseLsn(parsed.lsn) };
}

export interface Scan {
  records: WalRecord[];
  /** End of the last valid record: where the next one goes. */
  end: Lsn;
  /** The first invalid record, if any; everything from there on must be discarded. */
  invalid?: Invalid;
}

/** Reads WAL bytes that start at position `start`, stopping at the first torn or corrupt record. */
export function scan(bytes: Buffer, start: Lsn = 0): Scan {
  const records: WalRecord[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const newline = bytes.indexOf(NEWLINE, offset);
    const at = start + offset;
    if (newline < 0) {
      const got = bytes.length - offset;
      return {
        records,
        end: at,
        invalid: {
          at,
          reason: `invalid record length at ${formatLsn(at)}: expected a complete record ending in a newline, got ${got} bytes`,
        },
      };
    }
    const record = decodeRecord(bytes.subarray(offset, newline), at);
    if (!('op' in record)) return { records, end: at, invalid: record };
    records.push(record);
    offset = newline + 1;
  }
  return { records, end: start + offset };
}

/** Reads the log file from position `from` (a checkpoint's redo point) up to `to` (default: its end). */
export function readWal(path: string, from: Lsn = 0, to = Infinity): Scan & { size: number } {
  if (!existsSync(path)) return { records: [], end: 0, size: 0 };
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const bytes = Buffer.alloc(Math.max(0, Math.min(size, to) - from));
    readSync(fd, bytes, 0, bytes.length, from);
    return { ...scan(bytes, from), size };
  } finally {
    closeSync(fd);
  }
}

let datasyncMissing = false;

/**
 * Puts what was written on disk before a write is acknowledged (fdatasync, as PostgreSQL's default
 * wal_sync_method). Some runtimes lack it (a WebContainer's in-memory file system may throw "not implemented"):
 * then the store says so once and carries on with fsync, or with nothing if that is missing too.
 */
export async function syncToDisk(file: Pick<FileHandle, 'datasync' | 'sync'>): Promise<void> {
  if (!datasyncMissing) {
    try {
      return await file.datasync();
    } catch (error) {
      if (!unimplemented(error)) throw error;
      datasyncMissing = true;
      log(
        'WARNING:  fdatasync is not available in this runtime; the write-ahead log falls back to fsync, or to no flush at all if that is missing too. ' +
          'A write is still in the file before it is acknowledged, so it survives this server being killed, but not a crash of the machine or of the runtime itself.',
        'warning',
      );
    }
  }
  try {
    await file.sync();
  } catch (error) {
    if (!unimplemented(error)) throw error;
  }
}

const unimplemented = (error: unknown) =>
  (error as NodeJS.ErrnoException)?.code === 'ENOSYS' ||
  /not (yet )?implemented/i.test(String((error as Error)?.message));

/** Copies the log from `from` to its end into `destination`: a damaged tail kept aside before the log is cut. */
export function copyTail(path: string, from: Lsn, destination: string): void {
  const fd = openSync(path, 'r');
  try {
    const bytes = Buffer.alloc(Math.max(0, fstatSync(fd).size - from));
    readSync(fd, bytes, 0, bytes.length, from);
    writeFileSync(destination, bytes);
  } finally {
    closeSync(fd);
  }
}

/**
 * Appends records to the log file with group commit: records that arrive while an fsync is running wait for the
 * next one, so many concurrent writes share one flush (PostgreSQL's commit_delay / group commit idea).
 */
export class WalWriter {
  private pending: Buffer[] = [];
  private flushing = false;
  /** Everything written so far (the insert position). */
  insertLsn: Lsn;
  /** Everything on disk. */
  flushLsn: Lsn;

  private constructor(
    private file: FileHandle,
    end: Lsn,
    private onFlush: (bytes: Buffer, from: Lsn) => void,
  ) {
    this.insertLsn = this.flushLsn = end;
  }

  /** Opens the log and cuts it at `end` (dropping an invalid tail found by scan). */
  static async open(path: string, end: Lsn, onFlush: (bytes: Buffer, from: Lsn) => void): Promise<WalWriter> {
    const file = await open(path, existsSync(path) ? 'r+' : 'w+');
    await file.truncate(end);
    await syncToDisk(file);
    return new WalWriter(file, end, onFlush);
  }

  /** Appends a change as a new record at the insert position; returns the record. */
  append(change: Change, tli: number): WalRecord {
    const record: WalRecord = { lsn: this.insertLsn, tli, ts: Date.now(), ...change };
    this.appendBytes(encodeRecord(record));
    return record;
  }

  /** Appends bytes already encoded as records (what a standby receives from its primary). */
  appendBytes(bytes: Buffer): void {
    this.pending.push(bytes);
    this.insertLsn += bytes.length;
    if (!this.flushing) void this.flushLoop();
  }

  private async flushLoop(): Promise<void> {
    this.flushing = true;
    while (this.pending.length) {
      const bytes = Buffer.concat(this.pending);
      this.pending = [];
      const from = this.flushLsn;
      await this.file.write(bytes, 0, bytes.length, from);
      await syncToDisk(this.file);
      this.flushLsn = from + bytes.length;
      this.onFlush(bytes, from);
    }
    this.flushing = false;
  }

  /** Reads flushed bytes back (for a standby catching up from an older position). */
  async read(from: Lsn, to: Lsn): Promise<Buffer> {
    const bytes = Buffer.alloc(to - from);
    await this.file.read(bytes, 0, bytes.length, from);
    return bytes;
  }

  /** Cuts the log at `lsn` (pg_rewind's job on a diverged old primary). Only when nothing is pending. */
  async truncate(lsn: Lsn): Promise<void> {
    await this.file.truncate(lsn);
    await syncToDisk(this.file);
    this.insertLsn = this.flushLsn = lsn;
  }

  async close(): Promise<void> {
    await this.file.close();
  }
}
