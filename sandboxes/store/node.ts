// A store server: one node of the cluster, primary or standby, as a process. It owns the data (a key-value table
// rebuilt from the write-ahead log at start), answers the protocol of wire.ts, and carries out what its replica
// decides (replica.ts: writes taken or refused, lease and fencing, promotion, following a primary) with the sockets,
// timers and files. Replication itself lives in walsender.ts (primary side) and walreceiver.ts (standby side); when
// a write may be acknowledged, in syncrep.ts.
import net from 'node:net';
import { mkdirSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { listen, myAddress } from '../network/net';
import { log, report } from '../shared/report';
import { readControl, writeControl, type Control, type TimelineSwitch } from './control';
import { dueForReplay, freshControl, Replica, terminated, type Action } from './replica';
import { formatLsn, type Lsn } from '../contracts/lsn';
import { copyTail, readWal, scan, WalWriter, type Change, type WalRecord } from './wal';
import { discardCheckpointsAfter, readCheckpoint, writeCheckpoint } from './checkpoint';
import { SyncRep, type Mode } from './syncrep';
import type { StoreSettings } from './store-config';
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
  /**
   * Reads the replication settings (store.conf, overridden by flags); called at start and on reload. Throws with
   * the file and line when they are wrong.
   */
  settings: () => StoreSettings;
  /** PostgreSQL's recovery_min_apply_delay: a standby replays a record only this long after its commit. */
  applyDelayMs: number;
  maxValueBytes: number;
  /** Where to serve Prometheus metrics (postgres_exporter's names), e.g. ":9187"; none when undefined. */
  metrics?: string;
}

/** setTimeout's longest delay (2^31 − 1 ms, about 24.8 days); a longer one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class StoreNode {
  private table = new Map<string, string>();
  private control!: Control;
  private replica!: Replica;
  private wal!: WalWriter;
  private walPath: string;
  private syncrep!: SyncRep;
  /** Bytes of log between checkpoints (PostgreSQL's max_wal_size). */
  private maxWalSize = 0;
  private senders: WalSender[] = [];
  private receiver?: WalReceiver;
  /** Standby: records flushed but not replayed yet (waiting for recovery_min_apply_delay). */
  private replayQueue: WalRecord[] = [];
  private replayTimer?: NodeJS.Timeout;
  /** The rewind in progress, if any: rewinds run one after the other. */
  private rewinding: Promise<void> = Promise.resolve();
  replayLsn: Lsn = 0;
  /** Reads waiting for the replay position to reach a client's last write (read-your-writes). */
  private replayWaiters: { lsn: Lsn; done: () => void }[] = [];
  /** Fires when the lease runs out (`leaseTimerAt`), so that a primary nobody talks to is fenced on time. */
  private leaseTimer?: NodeJS.Timeout;
  private leaseTimerAt?: number;
  private deadlineTimer?: NodeJS.Timeout;
  private lastReported = new Map<WalSender, number>();
  private reportTimers = new Map<WalSender, NodeJS.Timeout>();
  private server = net.createServer((socket) => serveConnection(this, socket));
  address = '';

  constructor(private options: NodeOptions) {
    this.walPath = join(options.dir, 'wal.log');
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
    const settings = this.options.settings();
    this.syncrep = new SyncRep(settings.mode, settings.semiSyncTimeoutMs);
    this.maxWalSize = settings.maxWalSize;
    mkdirSync(this.options.dir, { recursive: true });
    const fresh = !existsSync(join(this.options.dir, 'control.json'));
    this.control = readControl(this.options.dir) ?? freshControl(this.options.standbyOf);
    this.replica = new Replica(this.control);
    if (!fresh && this.control.state !== 'shut down') {
      log('LOG:  database system was not properly shut down; automatic recovery in progress');
    }
    await this.recover();
    this.control.state = 'in production';
    writeControl(this.options.dir, this.control);

    const bound = await listen(this.server, this.options.listen);
    this.address = `${bound.host || myAddress()}:${bound.port}`;
    log(`LOG:  listening on ${this.address}`);
    this.run(this.replica.start(this.address));
    if (this.options.metrics) {
      const at = await serveMetrics(this.options.metrics, {
        role: () => this.role,
        // How old the oldest received but not yet replayed commit is: 0 on a primary or a caught-up standby.
        replicationLagSeconds: () =>
          this.role === 'standby' && this.replayQueue.length
            ? Math.max(0, Date.now() - this.replayQueue[0].ts) / 1000
            : 0,
        standbys: () =>
          this.senders
            .filter((s) => !s.closed)
            .map((s) => ({
              application_name: s.application_name,
              client_addr: s.client_addr,
              state: s.state,
              behind_bytes: this.flushLsn - s.replay,
            })),
      });
      log(`LOG:  metrics for Prometheus at http://${at}/metrics`);
    }
    report({
      type: 'store.ready',
      address: this.address,
      role: this.role,
      timeline: this.timeline,
      mode: this.syncrep.mode,
      lsn: this.flushLsn,
    });
  }

  /**
   * Redo: loads the latest checkpoint and replays the log after it into the table. A torn or corrupt record ends
   * redo there: it is reported with its position, and the tail from it on is copied aside before the log is cut,
   * never applied. A log that ends before the control file's checkpoint is reported too.
   */
  private async recover(): Promise<void> {
    const size = existsSync(this.walPath) ? statSync(this.walPath).size : 0;
    const checkpoint = readCheckpoint(this.options.dir, size);
    if (checkpoint) this.table = checkpoint.table;
    const found = readWal(this.walPath, checkpoint?.redo ?? 0);
    if (found.records.length || checkpoint)
      log(`LOG:  redo starts at ${formatLsn(checkpoint?.redo ?? 0)}${checkpoint ? ' (the latest checkpoint)' : ''}`);
    for (const record of found.records) this.apply(record);
    if (found.invalid) {
      const discarded = found.size - found.end;
      const kept = `wal.damaged-${formatLsn(found.end).replace('/', '-')}`;
      copyTail(this.walPath, found.end, join(this.options.dir, kept));
      log(`LOG:  ${found.invalid.reason}`, 'warning');
      log(
        `WARNING:  truncating the write-ahead log at ${formatLsn(found.end)}: the ${discarded} bytes after it are never applied; they are kept in ${kept}`,
        'warning',
      );
      report({
        type: 'store.wal-truncated',
        at: found.end,
        reason: found.invalid.reason,
        discarded_bytes: discarded,
        kept,
      });
    } else if (this.control.checkpoint !== undefined && found.end < this.control.checkpoint) {
      const reason = `the write-ahead log ends at ${formatLsn(found.end)}, before the latest checkpoint location in the control file (${formatLsn(this.control.checkpoint)}): ${this.control.checkpoint - found.end} bytes of it are missing`;
      log(`WARNING:  ${reason}; writes acknowledged in them are lost on this node`, 'warning');
      report({
        type: 'store.wal-truncated',
        at: found.end,
        reason,
        discarded_bytes: 0,
        missing_bytes: this.control.checkpoint - found.end,
      });
    }
    if (found.records.length) {
      const last = found.records[found.records.length - 1];
      log(`LOG:  redo done at ${formatLsn(last.lsn)}`);
      log(`LOG:  last completed transaction was at log time ${new Date(last.ts).toISOString()}`);
    }
    this.replayLsn = found.end;
    this.wal = await WalWriter.open(this.walPath, found.end, (bytes, from) => this.flushed(bytes, from));
    // Checkpoints of log that is no longer there would describe data nobody has.
    discardCheckpointsAfter(this.options.dir, found.end);
    if (this.control.checkpoint !== undefined && this.control.checkpoint > found.end)
      this.control.checkpoint = checkpoint?.redo;
    // An end-of-recovery checkpoint, as PostgreSQL takes one, when redo had much to replay.
    this.maybeCheckpoint();
  }

  /**
   * A checkpoint every max_wal_size bytes of log (PostgreSQL's trigger for one): the table at the replay
   * position, so the next recovery or rewind replays only the log after it.
   */
  private maybeCheckpoint(): void {
    if (this.replayLsn - (this.control.checkpoint ?? 0) >= this.maxWalSize && this.replayLsn <= this.wal.flushLsn)
      this.checkpoint();
  }

  private checkpoint(): void {
    writeCheckpoint(this.options.dir, { redo: this.replayLsn, tli: this.timeline, table: this.table });
    this.control.checkpoint = this.replayLsn;
    writeControl(this.options.dir, this.control);
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
      // Records this node wrote as a primary and made visible when their wait was cancelled are not applied twice.
      this.replayQueue.push(...scan(bytes, from).records.filter((r) => r.lsn >= this.replayLsn));
      this.replay();
      this.receiver?.report();
    }
    this.maybeCheckpoint();
  }

  // ---- primary: writes -------------------------------------------------------------------------------------

  write(change: Change, reply: (message: Message) => void): void {
    this.run(this.replica.write(change, Date.now()), reply);
  }

  /** A write the replica took: into the log, acknowledged once the replication mode allows it. */
  private append(change: Change, reply: (message: Message) => void): void {
    const started = Date.now();
    const timeline = this.timeline;
    const record = this.wal.append(change, timeline);
    const end = this.wal.insertLsn;
    const cancel = (why: string) => {
      // Committed locally (the record is in the log), so visible here as replay would make it; never acknowledged.
      this.makeVisible(record, end);
      reply(terminated(why));
    };
    const release = () => {
      const notNow = this.replica.acknowledgement(timeline, Date.now());
      if (notNow) return cancel(notNow);
      this.makeVisible(record, end);
      const acked_at = Date.now();
      report({
        type: 'store.write',
        op: change.op,
        key: change.key,
        lsn: end,
        timeline,
        mode: this.syncrep.mode,
        wait_ms: acked_at - started,
        acked_at,
      });
      reply({ ok: true, lsn: formatLsn(end) });
    };
    this.syncrep.wait(end, { release, cancel }, started);
  }

  private makeVisible(record: WalRecord, end: Lsn): void {
    this.apply(record);
    this.replayLsn = end;
  }

  /** Releases the writes the replication mode now allows; logs semi-sync switching like MySQL does. */
  private advanceCommits(): void {
    this.run(this.replica.tick(Date.now()));
    const live = this.senders.filter((s) => !s.closed && s.state === 'streaming');
    const transition = this.syncrep.advance(this.flushLsn, live, Date.now());
    if (transition?.semiSync === 'OFF') {
      log(
        `[Warning] Timeout waiting for reply of WAL record (lsn ${formatLsn(transition.waitingFor)}), semi-sync up to lsn ${formatLsn(transition.ackedUpTo)}.`,
        'warning',
      );
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
    if (at !== this.wal.insertLsn)
      throw new Error(`received WAL at ${formatLsn(at)}, expected ${formatLsn(this.wal.insertLsn)}`);
    const checked = scan(bytes, at);
    if (checked.invalid) throw new Error(`invalid WAL received from the primary: ${checked.invalid.reason}`);
    this.wal.appendBytes(bytes);
  }

  /** Applies the flushed records that recovery_min_apply_delay lets through: all of them with `delayMs` 0. */
  private replay(delayMs = this.options.applyDelayMs): void {
    clearTimeout(this.replayTimer);
    const now = Date.now();
    const { due, wakeAt } = dueForReplay(this.replayQueue, delayMs, now);
    for (const record of this.replayQueue.splice(0, due)) this.apply(record);
    if (wakeAt !== undefined) {
      this.replayTimer = setTimeout(() => {
        this.replay();
        this.receiver?.report();
      }, wakeAt - now);
    }
    // Never backwards: records this node wrote as a primary may be visible beyond what is flushed yet.
    this.replayLsn = this.replayQueue.length ? this.replayQueue[0].lsn : Math.max(this.replayLsn, this.wal.flushLsn);
    for (const waiter of this.replayWaiters.filter((w) => w.lsn <= this.replayLsn)) waiter.done();
  }

  adoptTimeline(timeline: number, history: TimelineSwitch[]): void {
    this.run(this.replica.adoptTimeline(timeline, history));
  }

  /** pg_rewind: cuts the log back to where this node's history forked off the primary's, and rebuilds the table. */
  async rewind(lsn: Lsn): Promise<void> {
    // One at a time: a receiver replaced while it rewinds (a new primary_conninfo) must not interleave with the
    // next one's rewind, or the table and the log would disagree.
    const run = this.rewinding.then(() => this.rewindNow(lsn));
    this.rewinding = run.catch(() => undefined);
    return run;
  }

  private async rewindNow(lsn: Lsn): Promise<void> {
    await this.flushedAll();
    if (lsn >= this.wal.flushLsn) return; // nothing after the fork any more (an earlier rewind cut it)
    // Only what changed is read: the discarded tail, and the log from the newest checkpoint before the fork.
    const tail = readWal(this.walPath, lsn);
    discardCheckpointsAfter(this.options.dir, lsn);
    const checkpoint = readCheckpoint(this.options.dir, lsn);
    if (checkpoint)
      log(
        `pg_rewind: rewinding from last common checkpoint at ${formatLsn(checkpoint.redo)} on timeline ${checkpoint.tli}`,
      );
    await this.wal.truncate(lsn);
    this.table = checkpoint?.table ?? new Map();
    this.replayQueue = [];
    for (const record of readWal(this.walPath, checkpoint?.redo ?? 0, lsn).records) this.apply(record);
    this.replayLsn = this.wal.flushLsn;
    this.control.checkpoint = checkpoint?.redo;
    writeControl(this.options.dir, this.control);
    report({
      type: 'store.rewind',
      diverged_at: lsn,
      discarded_bytes: tail.size - lsn,
      discarded_records: tail.records.length,
    });
  }

  // ---- what the replica decided (replica.ts) -----------------------------------------------------------------

  /** Carries out the replica's actions; `reply` answers the request that caused them, if any. */
  private run(actions: Action[], reply: (message: Message) => void = () => {}): void {
    for (const action of actions) {
      switch (action.kind) {
        case 'log':
          log(action.text, action.level);
          break;
        case 'report':
          report(action.event);
          break;
        case 'persist':
          writeControl(this.options.dir, this.control);
          break;
        case 'cancel-commits':
          this.syncrep.cancelAll(action.why);
          break;
        case 'stop-senders':
          for (const sender of this.senders) sender.close();
          break;
        case 'stream':
          this.receiver?.stop();
          this.receiver = new WalReceiver(action.primary, this);
          break;
        case 'stop-streaming':
          this.receiver?.stop();
          this.receiver = undefined;
          break;
        case 'append':
          this.append(action.change, reply);
          break;
        case 'finish-recovery':
          void this.finishRecovery(action.lease_ms, action.sent_at, reply);
          break;
        case 'hand-over':
          void this.handOver(action.candidate, action.timeout_ms, reply);
          break;
        case 'reply':
          reply(action.message);
          break;
      }
    }
    this.armLeaseTimer();
  }

  /**
   * Wakes the replica when its lease runs out, so a primary nobody talks to is fenced then. A timer can fire a
   * millisecond early by Date.now(); the replica then has nothing to do yet and the timer is armed again.
   */
  private armLeaseTimer(): void {
    const at = this.replica.leaseExpiry;
    if (at === this.leaseTimerAt) return;
    clearTimeout(this.leaseTimer);
    this.leaseTimerAt = at;
    if (at === undefined) return;
    this.leaseTimer = setTimeout(() => {
      this.leaseTimerAt = undefined;
      this.run(this.replica.tick(Date.now()));
    }, at - Date.now());
  }

  /** Resolves once everything written to the log is on disk. */
  async flushedAll(): Promise<void> {
    while (this.wal.flushLsn < this.wal.insertLsn) await new Promise((resolve) => setTimeout(resolve, 1));
  }

  /** pg_promote(): finish replaying what was received, start a new timeline, accept writes. */
  promote(leaseMs: number, sent: number, reply: (message: Message) => void): void {
    this.run(this.replica.promote(leaseMs, sent), reply);
  }

  private async finishRecovery(leaseMs: number, sent: number, reply: (message: Message) => void): Promise<void> {
    await this.flushedAll();
    this.replay(0); // promotion replays everything received, whatever the apply delay
    this.run(this.replica.promoted(this.flushLsn, leaseMs, sent, Date.now()), reply);
  }

  /** The failover monitor's heartbeat: renews a primary's lease, repoints standbys, fences a superseded primary. */
  heartbeat(message: Message): void {
    const primary = typeof message.primary === 'string' ? message.primary : undefined;
    const heartbeat = {
      primary,
      timeline: Number(message.timeline ?? 0),
      fencing: message.fencing === true,
      lease_ms: Number(message.lease_ms),
      sent_at: sentAt(message),
    };
    this.run(this.replica.heartbeat(heartbeat, Date.now()));
  }

  /** Becomes a standby of `primary` (standby.signal + primary_conninfo); the receiver rewinds a divergent tail. */
  rejoin(primary: string): void {
    this.run(this.replica.rejoin(primary));
  }

  /** A planned switchover, the old primary's part (see Replica.demote). */
  demote(candidate: string, timeoutMs: number, reply: (message: Message) => void): void {
    this.run(this.replica.demote(candidate, timeoutMs), reply);
  }

  /** Waits until `candidate` has flushed every record (a WAL sender to it reports so), for at most `timeoutMs`. */
  private async handOver(candidate: string, timeoutMs: number, reply: (message: Message) => void): Promise<void> {
    await this.flushedAll();
    const end = this.flushLsn;
    const host = candidate.slice(0, candidate.lastIndexOf(':'));
    const received = () => this.senders.some((s) => !s.closed && s.client_addr === host && s.flush >= end);
    log(
      `LOG:  switchover to ${candidate}: refusing new writes, waiting for it to flush the log up to ${formatLsn(end)}`,
    );
    const deadline = Date.now() + timeoutMs;
    while (!received() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    this.run(this.replica.handedOver(candidate, received(), end, timeoutMs), reply);
  }

  // ---- what the protocol (protocol.ts) asks of the node ---------------------------------------------------

  /**
   * Reads a key; with `after`, first waits (up to `timeoutMs`) until replay has reached it: read-your-writes.
   * The wait ends with the client's connection (`gone`), as PostgreSQL ends a backend whose client went away.
   */
  read(
    key: string,
    after: Lsn | undefined,
    timeoutMs: number,
    reply: (message: Message) => void,
    gone: AbortSignal,
  ): void {
    const answer = () => reply({ ok: true, value: this.table.get(key) ?? null, replay_lsn: formatLsn(this.replayLsn) });
    if (after === undefined || after <= this.replayLsn) return answer();
    const forget = () => {
      clearTimeout(timer);
      gone.removeEventListener('abort', forget);
      this.replayWaiters = this.replayWaiters.filter((w) => w !== waiter);
    };
    const waiter = { lsn: after, done: () => (forget(), answer()) };
    const timer = setTimeout(
      () => {
        forget();
        reply({
          ok: false,
          error: 'ERROR:  canceling statement due to statement timeout',
          detail: `replay_lsn ${formatLsn(this.replayLsn)} did not reach ${formatLsn(after)} within ${timeoutMs} ms`,
          sqlstate: '57014',
        });
      },
      Math.min(timeoutMs, MAX_TIMER_MS),
    );
    this.replayWaiters.push(waiter);
    gone.addEventListener('abort', forget);
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
      return void reply({
        ok: false,
        error: 'ERROR:  cannot start replication from a standby in this sandbox: connect to the primary',
      });
    }
    if (!(lsn >= 0) || lsn > this.flushLsn) {
      return void reply({
        ok: false,
        error: `ERROR:  requested starting point ${formatLsn(lsn)} is ahead of the WAL flush position of this server ${formatLsn(this.flushLsn)}`,
      });
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

  /** pg_reload_conf(): re-reads the settings; a file with errors changes nothing, as PostgreSQL's reload. */
  reload(): Message {
    log('LOG:  received SIGHUP, reloading configuration files');
    let settings: StoreSettings;
    try {
      settings = this.options.settings();
    } catch (error) {
      log(`LOG:  ${(error as Error).message}`, 'error');
      log('LOG:  configuration file contains errors; no changes were applied', 'error');
      return {
        ok: false,
        error: `ERROR:  ${(error as Error).message}`,
        hint: 'Fix the file and reload again; the previous settings stay in effect.',
      };
    }
    if (settings.semiSyncTimeoutMs !== this.syncrep.semiSyncTimeoutMs) {
      this.syncrep.semiSyncTimeoutMs = settings.semiSyncTimeoutMs;
      log(`LOG:  parameter "semi_sync_timeout" changed to "${settings.semiSyncTimeoutMs}ms"`);
    }
    if (settings.maxWalSize !== this.maxWalSize) {
      this.maxWalSize = settings.maxWalSize;
      log(`LOG:  parameter "max_wal_size" changed to "${settings.maxWalSize}"`);
    }
    if (settings.mode !== this.syncrep.mode) this.setMode(settings.mode);
    this.advanceCommits();
    return { ok: true, ...this.status() };
  }

  private setMode(mode: Mode): void {
    this.syncrep.mode = mode;
    this.syncrep.semiSyncOn = true;
    log(`LOG:  parameter "mode" changed to "${mode}"`);
  }

  setConfig(message: Message): Message {
    if (message.mode !== undefined) {
      if (!['async', 'semi-sync', 'sync'].includes(String(message.mode))) {
        return {
          ok: false,
          error: `ERROR:  invalid value for parameter "mode": "${message.mode}"`,
          hint: 'Available values: async, semi-sync, sync.',
        };
      }
      this.setMode(message.mode as Mode);
      this.advanceCommits();
    }
    if (message.recovery_min_apply_delay !== undefined) {
      const delay = Number(message.recovery_min_apply_delay);
      if (!(delay >= 0))
        return {
          ok: false,
          error: `ERROR:  invalid value for parameter "recovery_min_apply_delay": "${message.recovery_min_apply_delay}"`,
          hint: 'Give milliseconds, 0 or more.',
        };
      this.options.applyDelayMs = delay;
      log(`LOG:  parameter "recovery_min_apply_delay" changed to "${delay}ms"`);
      this.replay();
    }
    return { ok: true, ...this.status() };
  }

  /** What `db status` shows: pg_is_in_recovery(), positions, and the pg_stat_replication / pg_stat_wal_receiver views. */
  status(): Message {
    const now = Date.now();
    this.run(this.replica.tick(now));
    const standbys = this.senders.filter((s) => !s.closed);
    return {
      name: this.options.name,
      address: this.address,
      role: this.role,
      in_recovery: this.role === 'standby',
      fenced: this.replica.refusal(now) === 'fenced',
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
      waiting_reads: this.replayWaiters.length,
      replication: standbys.map((s, i) => {
        const row = this.replicationRow(s, i);
        return {
          ...row,
          sent_lsn: formatLsn(row.sent_lsn),
          write_lsn: formatLsn(row.write_lsn),
          flush_lsn: formatLsn(row.flush_lsn),
          replay_lsn: formatLsn(row.replay_lsn),
        };
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
    const sync_state: 'async' | 'potential' | 'sync' =
      this.syncrep.mode === 'async' ? 'async' : priority === 0 ? 'sync' : 'potential';
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
    this.syncrep.cancelAll('the server is shutting down');
    this.receiver?.stop();
    this.server.close();
    await this.flushedAll();
    await this.wal.close();
    // The shutdown checkpoint: a clean restart replays nothing.
    if (this.replayLsn <= this.wal.flushLsn && this.replayLsn !== this.control.checkpoint) this.checkpoint();
    this.control.state = 'shut down';
    writeControl(this.options.dir, this.control);
    log('LOG:  database system is shut down');
  }
}

/** When the monitor sent a heartbeat or promotion (its clock, ms since the epoch); now for one sent by hand. */
export function sentAt(message: Message): number {
  const at = Number(message.sent_at);
  return Number.isFinite(at) ? Math.min(at, Date.now()) : Date.now();
}
