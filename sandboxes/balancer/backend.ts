// Servers and backends while the balancer runs: their state (health, admin state, weight), their counters (the
// stats page's columns) and the state changes, each logged with HAProxy's own sentence (src/server.c).
import http from 'node:http';
import { connect } from '../network/net';
import { ConnectionPool } from '../network/pool';
import { report } from '../shared/report';
import type { ProxyConfig, ServerConfig } from './config';
import { afterCheck, initialHealth, isUp, logStatus, statusText, type Health } from './health';
import { say } from './messages';
import { createPicker, eligible, type LbServer, type Picker } from './picker';

export type Admin = 'ready' | 'drain' | 'maint';

/** One health check's outcome, with HAProxy's check status code (L4OK, L4CON, L7STS...) and its description. */
export interface CheckResult {
  passed: boolean;
  status: string;
  description: string;
  code?: number;
  info?: string;
  duration: number;
}

/** The per-server and per-backend counters behind the stats page, `show stat` and the Prometheus metrics. */
export class Counters {
  stot = 0; // sessions (requests) handled
  smax = 0;
  lbtot = 0; // times picked by the balancing algorithm
  bin = 0;
  bout = 0;
  econ = 0; // requests that could not connect to a server
  eresp = 0; // errors while reading the server's answer
  wretr = 0; // connection retries
  wredis = 0; // redispatches to another server
  cliAbrt = 0;
  srvAbrt = 0;
  hrsp = [0, 0, 0, 0, 0, 0]; // 1xx..5xx, other
  totalTime = 0; // sum of Ta, for the average
  maxTotalTime = 0;
  lastSession = 0;

  response(status: number, bytes: number, ta: number): void {
    const klass = Math.floor(status / 100);
    this.hrsp[klass >= 1 && klass <= 5 ? klass - 1 : 5]++;
    this.bout += bytes;
    this.totalTime += ta;
    this.maxTotalTime = Math.max(this.maxTotalTime, ta);
    this.lastSession = Date.now();
  }
}

export class Server implements LbServer {
  readonly name: string;
  readonly backup: boolean;
  readonly address: string;
  readonly initialWeight: number;
  weight: number;
  admin: Admin;
  /** Undefined without `check`: "the server is always considered available". */
  health?: Health;
  lastCheck?: CheckResult;
  served = 0;
  chkfail = 0;
  chkdown = 0;
  lastChange = Date.now();
  downSince?: number;
  downtime = 0;
  readonly counters = new Counters();
  /** Keep-alive connections to this server, reused across requests as HAProxy's connection pool does. */
  readonly agent: http.Agent;

  constructor(
    readonly config: ServerConfig,
    readonly backend: Backend,
  ) {
    this.name = config.name;
    this.backup = config.backup;
    this.address = config.address;
    this.weight = this.initialWeight = config.weight;
    this.admin = config.disabled ? 'maint' : 'ready';
    if (config.check) this.health = initialHealth(config.rise, config.fall);
    // Every connection goes through the sandbox network, so virtual addresses and cut links apply. No Nagle delay:
    // a request's head and body leave at once, as HAProxy sends them (TCP_NODELAY).
    this.agent = new ConnectionPool(() => connect(this.address).setNoDelay(true), {
      keepAlive: true,
      scheduling: 'lifo',
    });
  }

  up(): boolean {
    return !this.health || isUp(this.health);
  }
  usable(): boolean {
    return this.admin === 'ready' && this.up() && this.weight > 0;
  }
  full(): boolean {
    return this.config.maxconn > 0 && this.served >= this.config.maxconn;
  }
  status(): string {
    return statusText(this.health, this.admin);
  }
  /** "be_app/app1", as HAProxy names a server in its messages. */
  get id(): string {
    return `${this.backend.name}/${this.name}`;
  }
}

export class Backend {
  readonly name: string;
  readonly servers: Server[];
  readonly picker: Picker;
  readonly counters = new Counters();
  /** Requests waiting for a server slot (every server at its maxconn). */
  readonly queue: (() => void)[] = [];
  /** Requests in progress in this backend (beconn). */
  active = 0;
  lastChange = Date.now();
  private available: boolean;

  constructor(readonly config: ProxyConfig) {
    this.name = config.name;
    this.servers = config.servers.map((s) => new Server(s, this));
    this.picker = createPicker(config.balance, this.servers, config.allbackups);
    this.available = this.hasServer();
  }

  /** Usable active and backup servers (the stats page's act/bck, the log's "2 active and 0 backup"). */
  counts(): { active: number; backup: number } {
    const usable = this.servers.filter((s) => s.usable());
    return { active: usable.filter((s) => !s.backup).length, backup: usable.filter((s) => s.backup).length };
  }
  hasServer(): boolean {
    return eligible(this.servers, this.config.allbackups).length > 0;
  }
  /** The stats page's backend status: DOWN when no server can take traffic (a backend without servers is UP). */
  status(): 'UP' | 'DOWN' {
    return this.servers.length === 0 || this.hasServer() ? 'UP' : 'DOWN';
  }

  /** Applies one health check result, logging and reporting what changed. */
  applyCheck(server: Server, result: CheckResult): void {
    if (!server.health) return;
    const before = server.health;
    const wasStatus = server.status();
    const { next, change } = afterCheck(before, result.passed);
    server.health = next;
    server.lastCheck = result;
    // "Only counts checks failed when the server is up" (management guide, chkfail).
    if (!result.passed && isUp(before)) server.chkfail++;
    if (this.config.logHealthChecks && next.health !== before.health) {
      const verb = result.passed ? 'succeeded' : 'failed';
      say(
        'WARNING',
        `Health check for server ${server.id} ${verb}, reason: ${checkReason(result)}, status: ${logStatus(next)}.`,
      );
    }
    if (change) this.transition(server, change, result);
    if (server.status() !== wasStatus || change) this.announce(server, result, change);
  }

  /** `disable server`, `enable server`, `set server ... state`. */
  setAdmin(server: Server, admin: Admin): void {
    if (server.admin === admin) return;
    const was = server.admin;
    const wasUsable = server.usable();
    server.admin = admin;
    // Leaving maintenance, a checked server starts over as at startup: UP, one failed check from DOWN.
    if (was === 'maint' && server.health) server.health = initialHealth(server.health.rise, server.health.fall);
    const { active, backup } = this.counts();
    if (admin === 'maint' && !server.up()) {
      say('WARNING', `Server ${server.id} was DOWN and now enters maintenance.`);
    } else if (admin === 'maint') {
      say(
        'WARNING',
        `Server ${server.id} is going DOWN for maintenance. ${active} active and ${backup} backup servers left.${this.runningOnBackup()} ${server.served} sessions active, 0 requeued, 0 remaining in queue.`,
      );
    } else if (admin === 'drain') {
      say(
        'WARNING',
        `Server ${server.id} enters drain state. ${active} active and ${backup} backup servers online. 0 sessions requeued, ${this.queue.length} total in queue.`,
      );
    } else {
      const from = was === 'maint' ? 'maintenance' : 'drain';
      const now = server.up() ? (was === 'maint' ? 'UP/READY' : 'UP') : 'DOWN';
      say('WARNING', `Server ${server.id} is ${now} (leaving forced ${from}).`);
    }
    if (wasUsable !== server.usable()) this.stateChanged(server, server.usable() ? 'UP' : 'DOWN');
    this.announce(server);
  }

  /** `set server be/srv weight N` (and `set weight`). */
  setWeight(server: Server, weight: number): void {
    const wasUsable = server.usable();
    server.weight = weight;
    if (wasUsable !== server.usable()) this.stateChanged(server, server.usable() ? 'UP' : 'DOWN');
    this.announce(server);
  }

  private transition(server: Server, change: 'UP' | 'DOWN', result: CheckResult): void {
    if (server.admin === 'maint') return this.stateChanged(server, change);
    const { active, backup } = this.counts();
    if (change === 'DOWN') {
      server.chkdown++;
      say(
        'WARNING',
        `Server ${server.id} is DOWN, reason: ${checkReason(result)}. ${active} active and ${backup} backup servers left.${this.runningOnBackup()} ${server.served} sessions active, 0 requeued, 0 remaining in queue.`,
      );
    } else {
      say(
        'WARNING',
        `Server ${server.id} is UP, reason: ${checkReason(result)}. ${active} active and ${backup} backup servers online. 0 sessions requeued, ${this.queue.length} total in queue.`,
      );
    }
    this.stateChanged(server, change);
  }

  private runningOnBackup(): string {
    const { active, backup } = this.counts();
    return active === 0 && backup > 0 ? ' Running on backup.' : '';
  }

  /** Book-keeping common to every change between usable and not: downtime, lastchg, the backend's alert. */
  private stateChanged(server: Server, change: 'UP' | 'DOWN'): void {
    const now = Date.now();
    server.lastChange = now;
    if (change === 'DOWN') server.downSince = now;
    else if (server.downSince !== undefined) {
      server.downtime += now - server.downSince;
      server.downSince = undefined;
    }
    const available = this.hasServer();
    if (available === this.available) return;
    this.available = available;
    this.lastChange = now;
    const { active, backup } = this.counts();
    if (!available)
      say('ALERT', `backend '${this.name}' has no server available!`, `backend ${this.name} has no server available!`);
    report({ type: 'balancer.backend', backend: this.name, available, active, backup });
  }

  private announce(server: Server, result?: CheckResult, transition?: 'UP' | 'DOWN'): void {
    report({
      type: 'balancer.server',
      backend: this.name,
      server: server.name,
      status: server.status(),
      usable: server.usable(),
      weight: server.weight,
      ...(result && {
        check: {
          status: result.status,
          description: result.description,
          code: result.code,
          info: result.info,
          duration_ms: result.duration,
        },
      }),
      ...(transition && { transition }),
    });
  }
}

/** `Layer4 connection problem, info: "Connection refused", check duration: 0ms` */
export function checkReason(r: CheckResult): string {
  return [
    r.description,
    r.code !== undefined ? `code: ${r.code}` : '',
    r.info !== undefined ? `info: "${r.info}"` : '',
    `check duration: ${r.duration}ms`,
  ]
    .filter(Boolean)
    .join(', ');
}
