// The failover monitor (in the spirit of repmgrd or Patroni): heartbeats every node, declares the primary down
// after `misses` missed heartbeats in a row, promotes the most advanced standby on a new timeline, and points
// every node at it. With fencing on, each heartbeat also carries a lease: a primary that stops hearing from the
// monitor stops accepting writes before anyone replaces it, and a primary that comes back to find a newer
// timeline rejoins as a standby. With fencing off, a returning old primary keeps accepting writes: split brain.
import { log, report } from '../shared/report';
import { Connection, type Message } from './wire';
import {
  chooseNewPrimary,
  detectionMs,
  isDown,
  leaseMs,
  newestPrimary,
  writablePrimaries,
  type NodeView,
} from './failover';
import { parseLsn } from '../contracts/lsn';

export interface MonitorOptions {
  nodes: { name: string; address: string }[];
  intervalMs: number;
  misses: number;
  fencing: boolean;
}

interface Watched {
  name: string;
  address: string;
  connection?: Connection;
  missed: number;
  view?: NodeView;
  /** The latest end of a lease this monitor has sent the node (answered or not): none may be running at a promotion. */
  leaseSentUntil: number;
}

export class Monitor {
  private nodes: Watched[];
  private timeline = 0;
  private primary?: string;
  private failingOver = false;
  private splitBrain = '';
  private timer?: NodeJS.Timeout;

  constructor(private options: MonitorOptions) {
    this.nodes = options.nodes.map((n) => ({ ...n, missed: 0, leaseSentUntil: 0 }));
  }

  start(): void {
    const { intervalMs, misses, fencing } = this.options;
    log(`LOG:  monitoring ${this.nodes.map((n) => `${n.name} (${n.address})`).join(', ')}`);
    log(
      `LOG:  heartbeat every ${intervalMs} ms; the primary is declared down after ${misses} missed heartbeats: detection time = ${misses} × ${intervalMs} ms = ${detectionMs(intervalMs, misses)} ms`,
    );
    log(
      fencing
        ? `LOG:  fencing on: a primary stops accepting writes ${leaseMs(intervalMs, misses)} ms after its last heartbeat (lease = (${misses} − 0.5) × ${intervalMs} ms)`
        : 'LOG:  fencing off: a primary that comes back after a failover keeps accepting writes (split brain)',
      fencing ? 'info' : 'warning',
    );
    this.timer = setInterval(() => void this.tick(), intervalMs);
    void this.tick();
  }

  /** New settings (a reload): PostgreSQL logs each changed parameter the same way. */
  configure(options: MonitorOptions): void {
    const before = this.options;
    this.options = options;
    const shown = (o: MonitorOptions) => ({
      interval: `${o.intervalMs}ms`,
      misses: String(o.misses),
      fencing: o.fencing ? 'on' : 'off',
    });
    for (const [name, value] of Object.entries(shown(options))) {
      if (shown(before)[name as keyof ReturnType<typeof shown>] !== value)
        log(`LOG:  parameter "${name}" changed to "${value}"`);
    }
    const known = new Map(this.nodes.map((n) => [n.address, n]));
    this.nodes = options.nodes.map((n) => known.get(n.address) ?? { ...n, missed: 0, leaseSentUntil: 0 });
    clearInterval(this.timer);
    this.timer = setInterval(() => void this.tick(), options.intervalMs);
  }

  /** PostgreSQL's reload: the settings read again (`load`), or its words for a file with errors, which changes nothing. */
  reload(load: () => MonitorOptions, file: string | undefined): string[] {
    log('LOG:  received SIGHUP, reloading configuration files');
    try {
      this.configure(load());
      return [];
    } catch (error) {
      log(
        `LOG:  configuration file "${file}" contains errors; no changes were applied: ${(error as Error).message}`,
        'error',
      );
      return [(error as Error).message];
    }
  }

  stop(): void {
    clearInterval(this.timer);
    for (const node of this.nodes) node.connection?.close();
  }

  /** One heartbeat round, then the decisions it allows. */
  private async tick(): Promise<void> {
    await Promise.all(this.nodes.map((node) => this.heartbeat(node)));
    if (this.failingOver) return;
    const views = this.views();
    const adopted = newestPrimary(views, { timeline: this.timeline, primary: this.primary });
    if (adopted) {
      this.follow(adopted, this.primary === undefined ? 'found' : 'promoted outside the monitor');
      // Tell everyone now rather than at the next tick: the primary gets its lease, the others their new primary.
      await Promise.all(this.nodes.map((node) => this.heartbeat(node)));
    }
    this.watchSplitBrain(views);
    const primary = this.nodes.find((n) => n.address === this.primary);
    if (primary && isDown(primary.missed, this.options.misses)) await this.failover(primary);
  }

  private heartbeat(node: Watched, extra: Message = {}): Promise<Message | undefined> {
    const sent_at = Date.now();
    const instructions = this.instructions(node);
    if (instructions.lease_ms !== undefined)
      node.leaseSentUntil = Math.max(node.leaseSentUntil, sent_at + Number(instructions.lease_ms));
    return this.ask(node, { op: 'heartbeat', ...instructions, sent_at, ...extra }).then((reply) => {
      if (reply) {
        node.missed = 0;
        node.view = toView(node, reply);
      } else {
        node.missed++;
        if (node.view) node.view.alive = false;
      }
      return reply;
    });
  }

  /**
   * What every heartbeat tells a node: the current primary and timeline, and the lease when fencing. A node that
   * missed its last heartbeat gets no new lease until it answers again, and none while the monitor replaces the
   * primary: a frozen primary may still read heartbeats already sent, so every lease sent must have run out
   * before another node is promoted (see failover()).
   */
  private instructions(node?: Watched): Message {
    const { intervalMs, misses, fencing } = this.options;
    const lease = fencing && !this.failingOver && node?.missed === 0;
    return {
      timeline: this.timeline,
      primary: this.primary,
      fencing,
      lease_ms: lease ? leaseMs(intervalMs, misses) : undefined,
    };
  }

  /** Sends a request, reconnecting as needed; undefined when the node does not answer within one interval. */
  private async ask(node: Watched, message: Message): Promise<Message | undefined> {
    node.connection ??= new Connection(node.address, undefined, () => (node.connection = undefined));
    try {
      return await node.connection.request(message, this.options.intervalMs);
    } catch {
      node.connection?.close();
      node.connection = undefined;
      return undefined;
    }
  }

  private views(): NodeView[] {
    return this.nodes.flatMap((n) => (n.view ? [n.view] : []));
  }

  private follow(node: NodeView, how: string): void {
    log(`LOG:  primary is ${node.name} (${node.address}) on timeline ${node.timeline} (${how})`);
    this.timeline = node.timeline;
    this.primary = node.address;
  }

  private watchSplitBrain(views: NodeView[]): void {
    const writable = writablePrimaries(views).map((n) => `${n.name} (${n.address}, timeline ${n.timeline})`);
    const now = writable.length > 1 ? writable.join(', ') : '';
    if (now && now !== this.splitBrain) {
      log(`WARNING:  split brain: ${writable.length} nodes accept writes: ${now}`, 'alert');
      report({ type: 'store.split-brain', primaries: writablePrimaries(views).map((n) => n.address) });
    }
    this.splitBrain = now;
  }

  /** The primary missed `misses` heartbeats: promote the most advanced standby and point everyone at it. */
  private async failover(old: Watched): Promise<void> {
    this.failingOver = true;
    const started = Date.now();
    const { intervalMs, misses, fencing } = this.options;
    log(
      `LOG:  primary ${old.name} (${old.address}) missed ${old.missed} heartbeats (${misses} × ${intervalMs} ms = ${detectionMs(intervalMs, misses)} ms): declaring it down`,
      'alert',
    );
    report({
      type: 'store.primary-down',
      primary: old.address,
      misses: old.missed,
      detection_ms: detectionMs(intervalMs, misses),
    });
    // As Patroni waits for the leader key's TTL to expire: the old primary may still hold a lease it was sent (a
    // frozen process reads it when it resumes), and two primaries must never both accept writes. Only then are the
    // standbys' positions final.
    const running = old.leaseSentUntil - Date.now();
    if (running >= 0) {
      log(
        `LOG:  waiting ${running + 1} ms for the lease last sent to ${old.name} to run out before choosing its successor`,
      );
      await new Promise((resolve) => setTimeout(resolve, running + 1));
    }
    // Fresh positions, not the last heartbeat's: the standbys may have received more since.
    const others = this.nodes.filter((n) => n !== old);
    await Promise.all(
      others.map((n) => this.ask(n, { op: 'status' }).then((reply) => reply && (n.view = toView(n, reply)))),
    );
    const choice = chooseNewPrimary(others.flatMap((n) => (n.view ? [n.view] : [])));
    let promoted: Message | undefined;
    if (choice.promote) {
      log(`LOG:  promoting ${choice.promote.name} (${choice.promote.address}): ${choice.reason}`);
      const node = this.nodes.find((n) => n.address === choice.promote!.address)!;
      promoted = await this.ask(node, {
        op: 'promote',
        lease_ms: fencing ? leaseMs(intervalMs, misses) : undefined,
        sent_at: Date.now(),
      });
    }
    if (choice.promote && promoted?.ok) {
      this.timeline = Number(promoted.timeline);
      this.primary = choice.promote.address;
      log(
        `LOG:  failover complete: ${choice.promote.name} (${choice.promote.address}) is the primary on timeline ${this.timeline} after ${Date.now() - started} ms`,
      );
      await Promise.all(others.map((n) => this.heartbeat(n)));
    } else {
      log(
        `WARNING:  failover failed: ${choice.promote ? `promotion of ${choice.promote.name} failed: ${promoted?.error ?? 'no answer'}` : choice.reason}; retrying at the next heartbeat`,
        'alert',
      );
    }
    report({
      type: 'store.failover',
      from: old.address,
      to: promoted?.ok ? choice.promote!.address : null,
      timeline: promoted?.ok ? this.timeline : null,
      reason: choice.reason,
      duration_ms: Date.now() - started,
    });
    this.failingOver = false;
  }
}

function toView(node: { name: string; address: string }, status: Message): NodeView {
  return {
    name: node.name,
    address: node.address,
    alive: status.ok === true,
    role: status.role === 'primary' ? 'primary' : 'standby',
    timeline: Number(status.timeline),
    fenced: status.fenced === true,
    write_lsn: parseLsn(String(status.write_lsn)),
    replay_lsn: parseLsn(String(status.replay_lsn)),
  };
}
