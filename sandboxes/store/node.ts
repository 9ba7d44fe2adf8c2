// A store server: one node of the cluster, primary or standby. It owns the data (a key-value table rebuilt from
// the write-ahead log at start), answers the protocol of wire.ts, and switches role when promoted or fenced.
// Replication itself lives in walsender.ts (primary side) and walreceiver.ts (standby side); when a write may be
// acknowledged, in syncrep.ts.
import net from 'node:net';
import { mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { listen, myAddress } from '../shared/net';
import { log, report } from '../shared/report';
import { readControl, writeControl, type Control, type TimelineSwitch } from './control';
import { formatLsn, type Lsn } from './lsn';
import { readWal, scan, WalWriter, type Change, type WalRecord } from './wal';
import { SyncRep, type Mode } from './syncrep';
import { WalSender } from './walsender';
import { WalReceiver } from './walreceiver';
import { serveConnection } from './protocol';
import { serveMetrics } from './exporter';
import type { Message } from './wire';

export interface NodeOptions {
  name: string;
  listen: string;
  dir: string;
  /** Only for a fresh data directory: start as a standby of this primary (else as a primary). */
  standbyOf?: string;
  mode: Mode;
  semiSyncTimeoutMs: number;
  /** PostgreSQL's recovery_min_apply_delay: a standby replays a record only this long after its commit. */
  applyDelayMs: number;
  maxValueBytes: number;
  /** Where to serve Prometheus metrics (postgres_exporter's names), e.g. ":9187"; none when undefined. */
  metrics?: string;
}

/** The errors a client can get, in PostgreSQL's words where PostgreSQL has them. */
const readOnly = (op: 'set' | 'del') => `ERROR:  cannot execute ${op === 'set' ? 'INSERT' : 'DELETE'} in a read-only transaction`;

export class StoreNode {
  private table = new Map<string, string>();
  private control!: Control;
  private wal!: WalWriter;
  private walPath: string;
  private syncrep: SyncRep;
  private senders: WalSender[] = [];
  private receiver?: WalReceiver;
  /** Standby: records flushed but not replayed yet (waiting for recovery_min_apply_delay). */
  private replayQueue: WalRecord[] = [];
  private replayTimer?: NodeJS.Timeout;
  replayLsn: Lsn = 0;
  /** Reads waiting for the replay position to reach a client's last write (read-your-writes). */
  private replayWaiters: { lsn: Lsn; done: () => void }[] = [];
  /** Until when the failover monitor's lease lets this primary accept writes (only once `control.leased`). */
  private leaseUntil = 0;
  private leaseTimer?: NodeJS.Timeout;
  private deadlineTimer?: NodeJS.Timeout;
  private lastReported = new Map<WalSender, number>();
  private reportTimers = new Map<WalSender, NodeJS.Timeout>();
  private server = net.createServer((socket) => serveConnection(this, socket));
  address = '';

  constructor(private options: NodeOptions) {
    this.walPath = join(options.dir, 'wal.log');
    this.syncrep = new SyncRep(options.mode, options.semiSyncTimeoutMs);
  }

  get name(): string {
    return this.options.name;
  }
  get role(): 'primary' | 'standby' {
    return this.control.role;
  }
  get timeline(): number {
    return this.control.timeline;
  }
  get writeLsn(): Lsn {
    return this.wal.insertLsn;
  }
  get flushLsn(): Lsn {
    return this.wal.flushLsn;
  }

  /** Recovers from the log, then listens. */
  async start(): Promise<void> {
    mkdirSync(this.options.dir, { recursive: true });
    const fresh = !existsSync(join(this.options.dir, 'control.json'));
    this.control = readControl(this.options.dir) ?? {
      role: this.options.standbyOf ? 'standby' : 'primary',
      primary_conninfo: this.options.standbyOf,
      timeline: 1,
      history: [],
      state: 'shut down',
      leased: false,
    };
    if (!fresh && this.control.state !== 'shut down') {
      log('LOG:  database system was not properly shut down; automatic recovery in progress');
    }
    await this.recover();
    this.control.state = 'in production';
    writeControl(this.options.dir, this.control);

    const bound = await listen(this.server, this.options.listen);
    this.address = `${bound.host || myAddress()}:${bound.port}`;
    log(`LOG:  listening on ${this.address}`);
    if (this.role === 'standby') {
      log('LOG:  entering standby mode');
      log('LOG:  database system is ready to accept read-only connections');
      this.follow(this.control.primary_conninfo!);
    } else {
      if (this.control.leased) log('LOG:  waiting for the failover monitor to renew this primary\'s lease before accepting writes');
      log('LOG:  database system is ready to accept connections');
    }
    if (this.options.metrics) {
      const at = await serveMetrics(this.options.metrics, {
        role: () => this.role,
        // How old the oldest received but not yet replayed commit is: 0 on a primary or a caught-up standby.
        replicationLagSeconds: () => (this.role === 'standby' && this.replayQueue.length ? Math.max(0, Date.now() - this.replayQueue[0].ts) / 1000 : 0),
        standbys: () => this.senders.filter((s) => !s.closed).map((s) => ({ application_name: s.application_name, client_addr: s.client_addr, state: s.state, behind_bytes: this.flushLsn - s.replay })),
      });
      log(`LOG:  metrics for Prometheus at http://${at}/metrics`);
    }
    report({ type: 'store.ready', address: this.address, role: this.role, timeline: this.timeline, mode: this.syncrep.mode, lsn: this.flushLsn });
  }

  /** Redo: replays the log into the table; a torn or corrupt tail is reported and cut off, never applied. */
  private async recover(): Promise<void> {
    const found = readWal(this.walPath);
    if (found.records.length) log(`LOG:  redo starts at ${formatLsn(0)}`);
    for (const record of found.records) this.apply(record);
    if (found.invalid) {
      const discarded = found.size - found.end;
      log(`LOG:  ${found.invalid.reason}`, 'warning');
      log(`WARNING:  truncating the write-ahead log at ${formatLsn(found.end)}: ${discarded} bytes after it are discarded, never applied`, 'warning');
      report({ type: 'store.wal-truncated', at: found.end, reason: found.invalid.reason, discarded_bytes: discarded });
    }
    if (found.records.length) {
      const last = found.records[found.records.length - 1];
      log(`LOG:  redo done at ${formatLsn(last.lsn)}`);
      log(`LOG:  last completed transaction was at log time ${new Date(last.ts).toISOString()}`);
    }
    this.replayLsn = found.end;
    this.wal = await WalWriter.open(this.walPath, found.end, (bytes, from) => this.flushed(bytes, from));
  }

  private apply(record: Change & { lsn?: Lsn }): void {
    if (record.op === 'set') this.table.set(record.key, record.value ?? '');
    else this.table.delete(record.key);
  }

  /** After every local flush: primary ships it and acknowledges what the mode allows; standby replays it. */
  private flushed(bytes: Buffer, from: Lsn): void {
    if (this.role === 'primary') {
      for (const sender of this.senders) sender.flushed(bytes, from);
      this.advanceCommits();
    } else {
      this.replayQueue.push(...scan(bytes, from).records);
      this.replay();
      this.receiver?.report();
    }
  }

  // ---- primary: writes -------------------------------------------------------------------------------------

  /** Whether this node may accept a write now, or why not. */
  private refusal(): 'read-only' | 'fenced' | undefined {
    if (this.role === 'standby') return 'read-only';
    if (this.control.leased && Date.now() >= this.leaseUntil) return 'fenced';
    return undefined;
  }

  write(change: Change, reply: (message: Message) => void): void {
    const refused = this.refusal();
    if (refused) {
      report({ type: 'store.refused', op: change.op, key: change.key, reason: refused });
      return reply({
        ok: false,
        error: readOnly(change.op),
        sqlstate: '25006',
        ...(refused === 'fenced'
          ? { detail: `This primary is fenced: its lease from the failover monitor expired (timeline ${this.timeline}). It must rejoin as a standby.` }
          : { hint: 'This server is a standby: send writes to the primary.' }),
      });
    }
    const started = Date.now();
    const record = this.wal.append(change, this.timeline);
    const end = this.wal.insertLsn;
    this.syncrep.wait(
      end,
      () => {
        this.apply(record);
        this.replayLsn = end;
        const wait_ms = Date.now() - started;
        report({ type: 'store.write', op: change.op, key: change.key, lsn: end, timeline: this.timeline, mode: this.syncrep.mode, wait_ms });
        reply({ ok: true, lsn: formatLsn(end) });
      },
      started,
    );
  }

  /** Releases the writes the replication mode now allows; logs semi-sync switching like MySQL does. */
  private advanceCommits(): void {
    const live = this.senders.filter((s) => !s.closed && s.state === 'streaming');
    const transition = this.syncrep.advance(this.flushLsn, live, Date.now());
    if (transition?.semiSync === 'OFF') {
      log(`[Warning] Timeout waiting for reply of WAL record (lsn ${formatLsn(transition.waitingFor)}), semi-sync up to lsn ${formatLsn(transition.ackedUpTo)}.`, 'warning');
      log('[Note] Semi-sync replication switched OFF.', 'notice');
      report({ type: 'store.semisync', status: 'OFF', lsn: transition.waitingFor });
    } else if (transition?.semiSync === 'ON') {
      log(`[Note] Semi-sync replication switched ON at (${formatLsn(transition.at)}).`, 'notice');
      report({ type: 'store.semisync', status: 'ON', lsn: transition.at });
    }
    clearTimeout(this.deadlineTimer);
    const deadline = this.syncrep.nextDeadline(Date.now());
    if (deadline !== undefined) this.deadlineTimer = setTimeout(() => this.advanceCommits(), deadline);
  }

  // ---- standby: replay -------------------------------------------------------------------------------------

  /** Standby side of replication (see walreceiver.ts). */
  receive(bytes: Buffer, at: Lsn): void {
    if (at !== this.wal.insertLsn) throw new Error(`received WAL at ${formatLsn(at)}, expected ${formatLsn(this.wal.insertLsn)}`);
    const checked = scan(bytes, at);
    if (checked.invalid) throw new Error(`invalid WAL received from the primary: ${checked.invalid.reason}`);
    this.wal.appendBytes(bytes);
  }

  /** Applies flushed records whose commit is older than recovery_min_apply_delay. */
  private replay(): void {
    clearTimeout(this.replayTimer);
    const now = Date.now();
    while (this.replayQueue.length) {
      const next = this.replayQueue[0];
      const due = next.ts + this.options.applyDelayMs;
      if (due > now) {
        this.replayTimer = setTimeout(() => {
          this.replay();
          this.receiver?.report();
        }, due - now);
        break;
      }
      this.apply(this.replayQueue.shift()!);
    }
    this.replayLsn = this.replayQueue.length ? this.replayQueue[0].lsn : this.wal.flushLsn;
    this.replayWaiters = this.replayWaiters.filter((w) => (w.lsn <= this.replayLsn ? (w.done(), false) : true));
  }

  adoptTimeline(timeline: number, history: TimelineSwitch[]): void {
    if (timeline === this.control.timeline && history.length === this.control.history.length) return;
    this.control.timeline = timeline;
    this.control.history = history;
    writeControl(this.options.dir, this.control);
  }

  /** pg_rewind: cuts the log back to where this node's history forked off the primary's, and rebuilds the table. */
  async rewind(lsn: Lsn): Promise<void> {
    const before = readWal(this.walPath);
    const discarded = before.records.filter((r) => r.lsn >= lsn).length;
    await this.wal.truncate(lsn);
    this.table.clear();
    this.replayQueue = [];
    for (const record of readWal(this.walPath).records) this.apply(record);
    this.replayLsn = lsn;
    report({ type: 'store.rewind', diverged_at: lsn, discarded_bytes: before.end - lsn, discarded_records: discarded });
  }

  // ---- role changes ----------------------------------------------------------------------------------------

  /** Standby: (re)starts streaming from `primary` (primary_conninfo). */
  private follow(primary: string): void {
    this.receiver?.stop();
    this.control.primary_conninfo = primary;
    writeControl(this.options.dir, this.control);
    this.receiver = new WalReceiver(primary, this);
    report({ type: 'store.follow', primary });
  }

  /** pg_promote(): finish replaying what was received, start a new timeline, accept writes. */
  async promote(leaseMs = 0): Promise<{ ok: boolean; error?: string; timeline?: number }> {
    if (this.role === 'primary') return { ok: false, error: 'ERROR:  recovery is not in progress', timeline: this.timeline };
    log('LOG:  received promote request');
    this.receiver?.stop();
    this.receiver = undefined;
    while (this.wal.flushLsn < this.wal.insertLsn) await new Promise((resolve) => setTimeout(resolve, 1));
    const delay = this.options.applyDelayMs;
    this.options.applyDelayMs = 0; // promotion replays everything received, whatever the apply delay
    this.replay();
    this.options.applyDelayMs = delay;
    log(`LOG:  redo done at ${formatLsn(this.flushLsn)}`);
    const end = this.flushLsn;
    this.control.history = [...this.control.history, { tli: this.timeline, end }];
    this.control.timeline += 1;
    this.control.role = 'primary';
    this.control.primary_conninfo = undefined;
    // Promoted by the monitor, it gets its first lease with the request; promoted by hand under a monitor with
    // fencing, it waits for the monitor to notice the new timeline and renew the lease.
    this.renewLease(leaseMs);
    writeControl(this.options.dir, this.control);
    log(`LOG:  selected new timeline ID: ${this.timeline}`);
    log('LOG:  archive recovery complete');
    log('LOG:  database system is ready to accept connections');
    report({ type: 'store.promote', timeline: this.timeline, lsn: end });
    return { ok: true, timeline: this.timeline };
  }

  /** The failover monitor's heartbeat: renews a primary's lease, repoints standbys, fences a superseded primary. */
  heartbeat(message: Message): void {
    const primary = typeof message.primary === 'string' ? message.primary : undefined;
    const timeline = Number(message.timeline ?? 0);
    if (primary === undefined) return;
    if (message.fencing === true && !this.control.leased) {
      this.control.leased = true;
      writeControl(this.options.dir, this.control);
    }
    if (primary === this.address) {
      if (this.role === 'primary') this.renewLease(Number(message.lease_ms));
      return;
    }
    if (this.role === 'standby') {
      if (primary !== this.control.primary_conninfo && timeline >= this.timeline) this.follow(primary);
      return;
    }
    // A primary told that another node is primary on a timeline at least as new: fenced, it rejoins as a standby.
    if (message.fencing === true && timeline >= this.timeline) {
      log(`LOG:  fenced: the failover monitor reports ${primary} as primary on timeline ${timeline}; this server (timeline ${this.timeline}) stops accepting writes and rejoins as a standby`, 'warning');
      report({ type: 'store.fenced', timeline: this.timeline, reason: 'newer-timeline', primary });
      this.rejoin(primary);
    }
  }

  /** Becomes a standby of `primary` (standby.signal + primary_conninfo); the receiver rewinds a divergent tail. */
  rejoin(primary: string): void {
    if (this.role === 'primary') {
      this.control.role = 'standby';
      clearTimeout(this.leaseTimer);
      log('LOG:  entering standby mode');
    }
    this.follow(primary);
  }

  private renewLease(leaseMs: number): void {
    if (!this.control.leased || !(leaseMs > 0)) return;
    if (Date.now() >= this.leaseUntil) log('LOG:  lease from the failover monitor granted: accepting writes');
    this.leaseUntil = Date.now() + leaseMs;
    clearTimeout(this.leaseTimer);
    this.leaseTimer = setTimeout(() => {
      if (this.role !== 'primary') return;
      log(`LOG:  fenced: no heartbeat from the failover monitor for ${leaseMs} ms (the lease); refusing writes`, 'warning');
      report({ type: 'store.fenced', timeline: this.timeline, reason: 'lease-expired' });
    }, leaseMs);
  }

  // ---- what the protocol (protocol.ts) asks of the node ---------------------------------------------------

  /** Reads a key; with `after`, first waits (up to `timeoutMs`) until replay has reached it: read-your-writes. */
  read(key: string, after: Lsn | undefined, timeoutMs: number, reply: (message: Message) => void): void {
    const answer = () => reply({ ok: true, value: this.table.get(key) ?? null, replay_lsn: formatLsn(this.replayLsn) });
    if (after === undefined || after <= this.replayLsn) return answer();
    const waiter = { lsn: after, done: answer };
    this.replayWaiters.push(waiter);
    setTimeout(() => {
      if (!this.replayWaiters.includes(waiter)) return;
      this.replayWaiters = this.replayWaiters.filter((w) => w !== waiter);
      reply({ ok: false, error: 'ERROR:  canceling statement due to statement timeout', detail: `replay_lsn ${formatLsn(this.replayLsn)} did not reach ${formatLsn(after)} within ${timeoutMs} ms`, sqlstate: '57014' });
    }, timeoutMs);
  }

  get maxValueBytes(): number {
    return this.options.maxValueBytes;
  }

  /** IDENTIFY_SYSTEM: what a standby checks its history against before streaming. */
  identify(): Message {
    return { ok: true, timeline: this.timeline, lsn: this.flushLsn, history: this.control.history };
  }

  /** START_REPLICATION: the connection becomes a WAL stream to a standby, from `lsn`. */
  startReplication(message: Message, reply: (answer: Message) => void, socket: net.Socket): WalSender | undefined {
    const lsn = Number(message.lsn);
    if (this.role !== 'primary') {
      return void reply({ ok: false, error: 'ERROR:  cannot start replication from a standby in this sandbox: connect to the primary' });
    }
    if (!(lsn >= 0) || lsn > this.flushLsn) {
      return void reply({ ok: false, error: `ERROR:  requested starting point ${formatLsn(lsn)} is ahead of the WAL flush position of this server ${formatLsn(this.flushLsn)}` });
    }
    reply({ ok: true });
    const name = String(message.name ?? 'walreceiver');
    const sender = new WalSender(socket, this.wal, lsn, name, socket.remoteAddress ?? '');
    this.senders.push(sender);
    log(`LOG:  standby "${name}" is now streaming from ${formatLsn(lsn)}`);
    return sender;
  }

  /** A standby's status update: its positions may release waiting commits. */
  standbyReplied(sender: WalSender, message: Message): void {
    sender.reply(message);
    this.advanceCommits();
    this.reportReplication(sender);
  }

  standbyGone(sender: WalSender): void {
    this.senders = this.senders.filter((s) => s !== sender);
    this.advanceCommits();
  }

  setConfig(message: Message): Message {
    if (message.mode !== undefined) {
      if (!['async', 'semi-sync', 'sync'].includes(String(message.mode))) {
        return { ok: false, error: `ERROR:  invalid value for parameter "mode": "${message.mode}"`, hint: 'Available values: async, semi-sync, sync.' };
      }
      this.syncrep.mode = message.mode as Mode;
      this.syncrep.semiSyncOn = true;
      log(`LOG:  parameter "mode" changed to "${message.mode}"`);
      this.advanceCommits();
    }
    if (message.recovery_min_apply_delay !== undefined) {
      const delay = Number(message.recovery_min_apply_delay);
      if (!(delay >= 0)) return { ok: false, error: `ERROR:  invalid value for parameter "recovery_min_apply_delay": "${message.recovery_min_apply_delay}"`, hint: 'Give milliseconds, 0 or more.' };
      this.options.applyDelayMs = delay;
      log(`LOG:  parameter "recovery_min_apply_delay" changed to "${delay}ms"`);
      this.replay();
    }
    return { ok: true, ...this.status() };
  }

  /** What `db status` shows: pg_is_in_recovery(), positions, and the pg_stat_replication / pg_stat_wal_receiver views. */
  status(): Message {
    const standbys = this.senders.filter((s) => !s.closed);
    return {
      name: this.options.name,
      address: this.address,
      role: this.role,
      in_recovery: this.role === 'standby',
      fenced: this.refusal() === 'fenced',
      timeline: this.timeline,
      mode: this.syncrep.mode,
      semi_sync_status: this.syncrep.mode === 'semi-sync' ? (this.syncrep.semiSyncOn ? 'ON' : 'OFF') : undefined,
      current_lsn: formatLsn(this.flushLsn),
      write_lsn: formatLsn(this.writeLsn),
      flush_lsn: formatLsn(this.flushLsn),
      replay_lsn: formatLsn(this.replayLsn),
      recovery_min_apply_delay: this.options.applyDelayMs,
      keys: this.table.size,
      waiting_commits: this.syncrep.waiting,
      replication: standbys.map((s, i) => {
        const row = this.replicationRow(s, i);
        return { ...row, sent_lsn: formatLsn(row.sent_lsn), write_lsn: formatLsn(row.write_lsn), flush_lsn: formatLsn(row.flush_lsn), replay_lsn: formatLsn(row.replay_lsn) };
      }),
      wal_receiver: this.receiver && {
        status: this.receiver.status,
        sender: this.receiver.conninfo,
        received_tli: this.timeline,
        written_lsn: formatLsn(this.writeLsn),
        flushed_lsn: formatLsn(this.flushLsn),
      },
    };
  }

  private replicationRow(s: WalSender, priority: number) {
    const sync_state: 'async' | 'potential' | 'sync' = this.syncrep.mode === 'async' ? 'async' : priority === 0 ? 'sync' : 'potential';
    return {
      application_name: s.application_name,
      client_addr: s.client_addr,
      state: s.state,
      sent_lsn: s.sent,
      write_lsn: s.write,
      flush_lsn: s.flush,
      replay_lsn: s.replay,
      write_lag: s.lag.write,
      flush_lag: s.lag.flush,
      replay_lag: s.lag.replay,
      sync_state,
    };
  }

  /**
   * Reports a standby's pg_stat_replication row, at most 4 times a second per standby, always ending on the latest:
   * a report already due carries whatever the position is when it goes out. The timer itself reports, without
   * measuring again: Node's timers can fire a millisecond "early" by Date.now() (about 2 % of short timers here),
   * and a second measurement then found the old timer still in the map and dropped the last report (a standby
   * caught up, but the stream never said so, until its next reply).
   */
  private reportReplication(sender: WalSender): void {
    if (this.reportTimers.has(sender)) return;
    const wait = Math.max(0, 250 - (Date.now() - (this.lastReported.get(sender) ?? 0)));
    this.reportTimers.set(
      sender,
      setTimeout(() => {
        this.reportTimers.delete(sender);
        this.lastReported.set(sender, Date.now());
        if (sender.closed) return;
        const row = this.replicationRow(sender, this.senders.indexOf(sender));
        report({ type: 'store.replication', ...row, current_lsn: this.flushLsn });
      }, wait),
    );
  }

  /** Clean shutdown (SIGTERM): flush, mark the control file, as `pg_ctl stop -m fast`. */
  async stop(): Promise<void> {
    log('LOG:  received fast shutdown request');
    this.receiver?.stop();
    this.server.close();
    while (this.wal.flushLsn < this.wal.insertLsn) await new Promise((resolve) => setTimeout(resolve, 1));
    await this.wal.close();
    this.control.state = 'shut down';
    writeControl(this.options.dir, this.control);
    log('LOG:  database system is shut down');
  }
}
