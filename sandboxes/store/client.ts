// The store's client, for programs that use it (the web servers, the shell's `db` command, tests): one connection
// to one node, requests pipelined over it, reconnecting when it drops. Errors from the server keep their
// PostgreSQL-style text, SQLSTATE, DETAIL and HINT.
import { Connection, type Message } from './wire';

export class StoreError extends Error {
  constructor(
    message: string,
    readonly sqlstate?: string,
    readonly detail?: string,
    readonly hint?: string,
  ) {
    super(message);
  }
  /** The error as psql prints it: ERROR line, then DETAIL and HINT. */
  get text(): string {
    return [this.message, this.detail && `DETAIL:  ${this.detail}`, this.hint && `HINT:  ${this.hint}`]
      .filter(Boolean)
      .join('\n');
  }
  /** SQLSTATE 25006: a standby or a fenced primary refused a write. */
  get readOnly(): boolean {
    return this.sqlstate === '25006';
  }
}

/** One row of pg_stat_replication, as `status` returns it. */
export interface ReplicationRow {
  application_name: string;
  client_addr: string;
  state: 'catchup' | 'streaming';
  sent_lsn: string;
  write_lsn: string;
  flush_lsn: string;
  replay_lsn: string;
  write_lag: number | null;
  flush_lag: number | null;
  replay_lag: number | null;
  sync_state: 'async' | 'potential' | 'sync';
}

export interface Status {
  name: string;
  address: string;
  role: 'primary' | 'standby';
  in_recovery: boolean;
  fenced: boolean;
  timeline: number;
  mode: 'async' | 'semi-sync' | 'sync';
  semi_sync_status?: 'ON' | 'OFF';
  current_lsn: string;
  write_lsn: string;
  flush_lsn: string;
  replay_lsn: string;
  recovery_min_apply_delay: number;
  keys: number;
  waiting_commits: number;
  /** Reads waiting for replay to reach a position (read-your-writes). */
  waiting_reads: number;
  replication: ReplicationRow[];
  wal_receiver?: { status: string; sender: string; received_tli: number; written_lsn: string; flushed_lsn: string };
}

export class StoreClient {
  private connection?: Connection;

  constructor(
    readonly address: string,
    private timeoutMs = 5000,
  ) {}

  private async request(message: Message, timeoutMs = this.timeoutMs): Promise<Message> {
    if (!this.connection || this.connection.closed) this.connection = new Connection(this.address);
    const reply = await this.connection.request(message, timeoutMs);
    if (reply.ok !== true) {
      throw new StoreError(
        String(reply.error),
        reply.sqlstate as string | undefined,
        reply.detail as string | undefined,
        reply.hint as string | undefined,
      );
    }
    return reply;
  }

  /**
   * Reads a key. With `after` (an LSN from a write), a standby first waits until it has replayed that far, up to
   * `waitMs`: read-your-writes, as comparing pg_last_wal_replay_lsn() with the commit's LSN.
   */
  async get(
    key: string,
    options: { after?: string; waitMs?: number } = {},
  ): Promise<{ value: string | null; replay_lsn: string }> {
    const reply = await this.request(
      { op: 'get', key, after: options.after, timeout_ms: options.waitMs },
      this.timeoutMs + (options.waitMs ?? 0),
    );
    return { value: reply.value as string | null, replay_lsn: String(reply.replay_lsn) };
  }

  /** Writes a key; resolves with the LSN where its record ends once the write is acknowledged. */
  async set(key: string, value: string): Promise<string> {
    return String((await this.request({ op: 'set', key, value })).lsn);
  }

  async del(key: string): Promise<string> {
    return String((await this.request({ op: 'del', key })).lsn);
  }

  async status(): Promise<Status> {
    return (await this.request({ op: 'status' })) as unknown as Status;
  }

  /** pg_promote(): the standby becomes a primary on a new timeline. */
  async promote(): Promise<number> {
    return Number((await this.request({ op: 'promote' })).timeline);
  }

  /** Turns this node into a standby of `primary`, discarding what it wrote after the histories forked (pg_rewind). */
  async rejoin(primary: string): Promise<Status> {
    return (await this.request({ op: 'rejoin', primary })) as unknown as Status;
  }

  /**
   * A switchover's first step, on the primary: it stops taking writes, waits (up to `timeoutMs`) until `candidate`
   * has flushed its whole log, and steps down. Resolves with the last LSN it wrote; throws if the candidate did not
   * catch up (the primary then takes writes again).
   */
  async demote(candidate: string, timeoutMs: number): Promise<string> {
    return String(
      (await this.request({ op: 'demote', candidate, timeout_ms: timeoutMs }, timeoutMs + this.timeoutMs)).lsn,
    );
  }

  /** pg_reload_conf(): the node re-reads its settings file (store.conf). */
  async reload(): Promise<Status> {
    return (await this.request({ op: 'reload' })) as unknown as Status;
  }

  /** Changes settings at run time: the replication mode (primary), recovery_min_apply_delay in ms (standby). */
  async setConfig(settings: { mode?: string; recovery_min_apply_delay?: number }): Promise<Status> {
    return (await this.request({ op: 'set_config', ...settings })) as unknown as Status;
  }

  close(): void {
    this.connection?.close();
  }
}
