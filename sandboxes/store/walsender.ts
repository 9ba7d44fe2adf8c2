// The primary's side of one standby connection (PostgreSQL's WAL sender): ships the log from the position the
// standby asked for, then every new flushed batch, and keeps the standby's reported positions and lags, which are
// the row of pg_stat_replication for that standby.
import type net from 'node:net';
import { send } from './wire';
import type { Lsn } from '../contracts/lsn';
import type { WalWriter } from './wal';

const CHUNK_BYTES = 256 * 1024;

/** Measures lag as PostgreSQL does: the time between flushing a position locally and the standby reporting it. */
class LagTracker {
  private samples: { lsn: Lsn; time: number }[] = [];
  private heads = { write: 0, flush: 0, replay: 0 };
  lag: Record<'write' | 'flush' | 'replay', number | null> = { write: null, flush: null, replay: null };

  sent(lsn: Lsn, time: number): void {
    this.samples.push({ lsn, time });
  }

  reached(kind: 'write' | 'flush' | 'replay', position: Lsn, now: number): void {
    let head = this.heads[kind];
    while (head < this.samples.length && this.samples[head].lsn <= position) {
      this.lag[kind] = now - this.samples[head].time;
      head++;
    }
    this.heads[kind] = head;
    // Forget what every position has passed, so the buffer stays small.
    const done = Math.min(this.heads.write, this.heads.flush, this.heads.replay);
    if (done > 1024) {
      this.samples.splice(0, done);
      for (const k of ['write', 'flush', 'replay'] as const) this.heads[k] -= done;
    }
  }
}

export class WalSender {
  state: 'catchup' | 'streaming' = 'catchup';
  sent: Lsn;
  write: Lsn;
  flush: Lsn;
  replay: Lsn;
  replyTime = new Date();
  private lags = new LagTracker();

  constructor(
    private socket: net.Socket,
    private wal: WalWriter,
    start: Lsn,
    readonly application_name: string,
    readonly client_addr: string,
  ) {
    this.sent = this.write = this.flush = this.replay = start;
    void this.catchUp();
  }

  /** Sends what was flushed before the standby connected, in chunks cut at record boundaries. */
  private async catchUp(): Promise<void> {
    while (this.sent < this.wal.flushLsn && !this.socket.destroyed) {
      const bytes = await this.wal.read(this.sent, Math.min(this.wal.flushLsn, this.sent + CHUNK_BYTES));
      const whole = bytes.subarray(0, bytes.lastIndexOf(0x0a) + 1);
      if (!whole.length) break;
      this.ship(whole, this.sent);
      if (this.socket.writableNeedDrain) await new Promise((resolve) => this.socket.once('drain', resolve));
    }
    this.state = 'streaming';
  }

  /** Called after every local flush: streams the new bytes once caught up. */
  flushed(bytes: Buffer, from: Lsn): void {
    if (this.state === 'streaming' && from === this.sent) this.ship(bytes, from);
  }

  private ship(bytes: Buffer, from: Lsn): void {
    send(this.socket, { wal: from, data: bytes.toString() });
    this.sent = from + bytes.length;
    this.lags.sent(this.sent, Date.now());
  }

  /** A standby status update: how far it has written, flushed and replayed. */
  reply(message: { write?: unknown; flush?: unknown; replay?: unknown }): void {
    const now = Date.now();
    this.write = Number(message.write ?? this.write);
    this.flush = Number(message.flush ?? this.flush);
    this.replay = Number(message.replay ?? this.replay);
    this.lags.reached('write', this.write, now);
    this.lags.reached('flush', this.flush, now);
    this.lags.reached('replay', this.replay, now);
    this.replyTime = new Date(now);
  }

  get lag() {
    return this.lags.lag;
  }

  get closed(): boolean {
    return this.socket.destroyed;
  }

  /** Ends the stream, as a WAL sender exits when its server stops being the primary. */
  close(): void {
    this.socket.destroy();
  }
}
