// How an application uses a primary-replica cluster: writes go to the primary, reads to a standby. Reading a
// standby can miss the client's own write (replication lag), so there is a read-your-writes option, with the two
// usual fixes: read from the primary for a while after a write ('primary'), or let the standby wait until it has
// replayed the client's last write ('wait', comparing pg_last_wal_replay_lsn() with the write's LSN).
import { StoreClient, StoreError } from './client';
import { parseLsn } from '../contracts/lsn';

export type ReadYourWrites = 'off' | 'primary' | 'wait';

export interface RouterOptions {
  readYourWrites: ReadYourWrites;
  /** 'primary': how long after its write a session keeps reading from the primary. */
  stickyMs?: number;
  /** 'wait': how long a standby may wait for replay before the read goes to the primary instead. */
  waitMs?: number;
  timeoutMs?: number;
}

export interface Read {
  value: string | null;
  /** The node that answered. */
  node: string;
  replay_lsn: string;
  /** For a session that wrote before: whether this read missed its last write (the node had not replayed it). */
  stale?: boolean;
}

export class StoreRouter {
  private clients = new Map<string, StoreClient>();
  private primary?: string;
  private turn = 0;
  /** Per session (a user, a cookie): the LSN and time of its last write. */
  private lastWrite = new Map<string, { lsn: string; at: number }>();

  constructor(
    readonly nodes: string[],
    public options: RouterOptions,
  ) {}

  private client(address: string): StoreClient {
    let client = this.clients.get(address);
    if (!client) this.clients.set(address, (client = new StoreClient(address, this.options.timeoutMs ?? 2000)));
    return client;
  }

  /** Asks every node who it is; the primary is the one not in recovery and not fenced, on the newest timeline. */
  async findPrimary(): Promise<string> {
    const statuses = await Promise.all(
      this.nodes.map((n) =>
        this.client(n)
          .status()
          .catch(() => undefined),
      ),
    );
    const primaries = statuses
      .filter((s) => s && s.role === 'primary' && !s.fenced)
      .sort((a, b) => b!.timeline - a!.timeline);
    const address = primaries[0] ? this.nodes[statuses.indexOf(primaries[0])] : undefined;
    if (!address) throw new StoreError('ERROR:  no primary is reachable', '08006', `asked ${this.nodes.join(', ')}`);
    return (this.primary = address);
  }

  /** set (value given) or del on the primary; finds the primary again once if the one it knew refuses or is gone. */
  async write(key: string, value: string | undefined, session?: string): Promise<{ lsn: string; node: string }> {
    for (let attempt = 0; ; attempt++) {
      const node = this.primary ?? (await this.findPrimary());
      try {
        const lsn = value === undefined ? await this.client(node).del(key) : await this.client(node).set(key, value);
        if (session) this.lastWrite.set(session, { lsn, at: Date.now() });
        return { lsn, node };
      } catch (error) {
        this.primary = undefined;
        const retriable = !(error instanceof StoreError) || error.readOnly;
        if (attempt > 0 || !retriable) throw error;
      }
    }
  }

  /** Reads from a standby (in turn), unless read-your-writes sends this session's read to the primary. */
  async read(key: string, session?: string): Promise<Read> {
    const mine = session ? this.lastWrite.get(session) : undefined;
    const { readYourWrites, stickyMs = 5000, waitMs = 1000 } = this.options;
    if (mine && readYourWrites === 'primary' && Date.now() - mine.at < stickyMs)
      return this.readFrom(this.primary ?? (await this.findPrimary()), key, mine.lsn);
    // Know the primary first, so that "a standby" excludes it.
    if (!this.primary) await this.findPrimary().catch(() => undefined);
    const standbys = this.nodes.filter((n) => n !== this.primary);
    for (let i = 0; i < standbys.length; i++) {
      const node = standbys[(this.turn + i) % standbys.length];
      try {
        const wait = mine && readYourWrites === 'wait' ? waitMs : undefined;
        const read = await this.readFrom(node, key, mine?.lsn, wait);
        this.turn = (this.turn + i + 1) % standbys.length;
        return read;
      } catch {
        // That standby is down or did not catch up in time: try the next, then the primary.
      }
    }
    return this.readFrom(this.primary ?? (await this.findPrimary()), key, mine?.lsn);
  }

  /** Reads on `node`; with `waitMs`, the node first waits to have replayed the session's last write (`mine`). */
  private async readFrom(node: string, key: string, mine?: string, waitMs?: number): Promise<Read> {
    const { value, replay_lsn } = await this.client(node).get(key, waitMs === undefined ? {} : { after: mine, waitMs });
    return { value, node, replay_lsn, stale: mine === undefined ? undefined : parseLsn(replay_lsn) < parseLsn(mine) };
  }

  close(): void {
    for (const client of this.clients.values()) client.close();
  }
}
