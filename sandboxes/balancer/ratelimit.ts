// Rate limiting at the balancer, the way HAProxy configs do it (configuration manual: stick-table, track-sc0,
// sc_http_req_rate, deny):
//
//   stick-table type ip size 100k expire 30s store http_req_rate(10s)
//   http-request track-sc0 src
//   http-request deny deny_status 429 if { sc_http_req_rate(0) gt 20 }
//
// The table keeps, per client address, how many requests it started over the last period ("every started request,
// valid or not"). `track-sc0 src` counts the current request in its client's entry; the deny rule then reads that
// rate. Entries not seen for `expire` are forgotten.
import type http from 'node:http';
import type { StickTableConfig } from './config';

interface Entry {
  id: number;
  /** Start of the current period, and the requests counted in it and in the one before (HAProxy's freq_ctr). */
  start: number;
  curr: number;
  prev: number;
  seen: number;
}

export class StickTable {
  private readonly entries = new Map<string, Entry>();
  private ids = 0;

  constructor(
    readonly name: string,
    readonly config: StickTableConfig,
  ) {}

  /** Counts one request for `key` (what `track-sc0 src` does) and returns its entry's rate. */
  track(key: string, now = Date.now()): number {
    this.expire(now);
    let entry = this.entries.get(key);
    if (!entry) {
      if (this.entries.size >= this.config.size) this.entries.delete(this.entries.keys().next().value!); // the oldest goes
      entry = { id: ++this.ids, start: now, curr: 0, prev: 0, seen: now };
    }
    this.entries.delete(key);
    this.entries.set(key, entry); // most recently seen last
    this.rotate(entry, now);
    entry.curr++;
    entry.seen = now;
    return this.rate(key, now);
  }

  /** Requests per period: the current period's count plus the previous one's, weighted by what is left of it. */
  rate(key: string, now = Date.now()): number {
    const entry = this.entries.get(key);
    const period = this.config.period;
    if (!entry || period === undefined) return 0;
    this.rotate(entry, now);
    return entry.curr + Math.floor((entry.prev * (period - (now - entry.start))) / period);
  }

  /** The runtime API's `show table <name>` (header line, then one line per entry). */
  show(withEntries: boolean, now = Date.now()): string {
    this.expire(now);
    const head = `# table: ${this.name}, type: ${this.config.type}, size:${this.config.size}, used:${this.entries.size}\n`;
    if (!withEntries) return head;
    const lines = [...this.entries].map(([key, e]) => {
      const rate =
        this.config.period === undefined ? '' : ` http_req_rate(${this.config.period})=${this.rate(key, now)}`;
      return `0x${(0x55d0c0de0000 + e.id * 0x40).toString(16)}: key=${key} use=0 exp=${Math.max(0, this.config.expire - (now - e.seen))}${rate}\n`;
    });
    return head + lines.join('');
  }

  private rotate(entry: Entry, now: number): void {
    const period = this.config.period ?? Infinity;
    const elapsed = now - entry.start;
    if (elapsed < period) return;
    entry.prev = elapsed >= 2 * period ? 0 : entry.curr;
    entry.curr = 0;
    entry.start = now - (elapsed % period);
  }

  private expire(now: number): void {
    for (const [key, entry] of this.entries) {
      if (now - entry.seen <= this.config.expire) break; // in order of last sight: the rest are fresher
      this.entries.delete(key);
    }
  }
}

/** The client's address as the table keys it (an IPv4 client of a dual-stack socket as plain IPv4). */
export const sourceOf = (req: http.IncomingMessage) => (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
