// The standby's side of replication (PostgreSQL's WAL receiver): connects to the primary, checks that its own
// history has not forked off the primary's (rewinding if it has, as pg_rewind would), then streams the log,
// writing each batch to its own WAL and reporting write/flush/replay positions back. Reconnects when the primary
// goes away, as a standby retries primary_conninfo.
import { Connection, type Message } from './wire';
import { formatLsn, type Lsn } from '../contracts/lsn';
import type { TimelineSwitch } from './control';
import { divergence } from './replica';
import { log } from '../shared/report';

/** How long a standby waits before trying the primary again (PostgreSQL: wal_retrieve_retry_interval, 5 s). */
const RETRY_MS = 500;

/** What the receiver needs from the standby it works for. */
export interface Standby {
  readonly name: string;
  readonly timeline: number;
  /** Everything received (handed to the WAL writer). */
  readonly writeLsn: Lsn;
  readonly flushLsn: Lsn;
  readonly replayLsn: Lsn;
  /** Appends received records; throws if they do not check out. */
  receive(bytes: Buffer, at: Lsn): void;
  /** Adopts the primary's timeline and history once streaming from it. */
  adoptTimeline(timeline: number, history: TimelineSwitch[]): void;
  /** Discards the log after `lsn` (the divergent tail) and rebuilds the data from what is left. */
  rewind(lsn: Lsn): Promise<void>;
  /** Resolves once everything written to the log is on disk (a primary turned standby may still be writing). */
  flushedAll(): Promise<void>;
}

export class WalReceiver {
  status: 'starting' | 'streaming' | 'waiting' | 'stopping' = 'starting';
  private connection?: Connection;
  private retry?: NodeJS.Timeout;
  private stopped = false;
  private complained = false;

  constructor(
    readonly conninfo: string,
    private standby: Standby,
  ) {
    void this.start();
  }

  private async start(): Promise<void> {
    if (this.stopped) return;
    const connection = (this.connection = new Connection(
      this.conninfo,
      (message) => this.onStream(message),
      (error) => this.lost(error),
    ));
    try {
      // Our end of the log must be final before it is compared with the primary's history: a commit a demoted
      // primary was still writing belongs to the tail a rewind may have to discard.
      await this.standby.flushedAll();
      const system = await connection.request({ op: 'identify_system' }, 2000);
      if (!system.ok) throw new Error(String(system.error));
      await this.checkHistory(Number(system.timeline), system.history as TimelineSwitch[]);
      const from = this.standby.flushLsn;
      const started = await connection.request(
        { op: 'start_replication', lsn: from, timeline: this.standby.timeline, name: this.standby.name },
        2000,
      );
      if (!started.ok) throw new Error(String(started.error));
      this.standby.adoptTimeline(Number(system.timeline), system.history as TimelineSwitch[]);
      this.status = 'streaming';
      this.complained = false;
      log(`LOG:  started streaming WAL from primary at ${formatLsn(from)} on timeline ${system.timeline}`);
      this.report();
    } catch (error) {
      connection.close(error as Error);
    }
  }

  /** Compares our timeline with the primary's history (replica.ts `divergence`), and rewinds if we diverged. */
  private async checkHistory(timeline: number, history: TimelineSwitch[]): Promise<void> {
    const found = divergence(this.standby, { timeline, history });
    if (found.kind === 'none') return;
    if (found.kind === 'unknown-timeline') throw new Error(found.error);
    // A receiver replaced meanwhile (the node follows another primary now) leaves the rewind to its successor.
    if (this.stopped) throw new Error('stopped: the node follows another primary');
    for (const text of found.logs) log(text);
    await this.standby.rewind(found.at);
    log('pg_rewind: Done!');
  }

  private onStream(message: Message): void {
    if (typeof message.wal !== 'number' || typeof message.data !== 'string') return;
    try {
      this.standby.receive(Buffer.from(message.data), message.wal);
      this.report();
    } catch (error) {
      log(`FATAL:  ${(error as Error).message}`, 'error');
      this.connection?.close(error as Error);
    }
  }

  /** Sends a standby status update (write, flush, replay positions) to the primary. */
  report(): void {
    if (this.status === 'streaming') {
      this.connection?.post({
        write: this.standby.writeLsn,
        flush: this.standby.flushLsn,
        replay: this.standby.replayLsn,
      });
    }
  }

  private lost(error?: Error): void {
    if (this.stopped) return;
    if (this.status === 'streaming') log('LOG:  replication terminated by primary server');
    else if (!this.complained) {
      const [host, port] = [
        this.conninfo.slice(0, this.conninfo.lastIndexOf(':')),
        this.conninfo.slice(this.conninfo.lastIndexOf(':') + 1),
      ];
      log(
        `FATAL:  could not connect to the primary server: connection to server at "${host}", port ${port} failed: ${describe(error)}`,
        'error',
      );
      this.complained = true;
    }
    this.status = 'waiting';
    this.retry = setTimeout(() => void this.start(), RETRY_MS);
  }

  stop(): void {
    this.stopped = true;
    this.status = 'stopping';
    clearTimeout(this.retry);
    this.connection?.close();
  }
}

/** libpq's wording for the usual connection failures. */
function describe(error?: Error): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ECONNREFUSED') return 'Connection refused';
  if (code === 'ETIMEDOUT' || error?.message.startsWith('timeout')) return 'timeout expired';
  return error?.message ?? 'server closed the connection unexpectedly';
}
