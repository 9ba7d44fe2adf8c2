// One VRRP instance: the state machine of RFC 3768 (VRRPv2) section 6.4 as keepalived runs it, with keepalived's log
// texts (FIDELITY.md 2.2, 2.3). Pure: it takes the time and the adverts it receives, and returns what to do
// (log, send an advert, take or give up the virtual addresses). keepalived.ts does the sockets and the timers.
import type { InstanceConfig } from './config';

export type VrrpState = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOP';

/** The fields of a VRRP advertisement that matter here; `from` is the sender's address (the IP source). */
export interface Advert {
  vrid: number;
  priority: number;
  advert_int: number;
  from: string;
}

export type Action =
  | { kind: 'log'; text: string }
  | { kind: 'advertise'; priority: number }
  | { kind: 'claim' } // add the VIPs and send gratuitous ARPs
  | { kind: 'release' } // remove the VIPs
  | { kind: 'state'; state: VrrpState; priority: number; waited_ms?: number };

/** Orders IPv4 addresses numerically, for the RFC's tie-break: on equal priority the higher address wins. */
const ipValue = (ip: string) => ip.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);

export class VrrpInstance {
  state: VrrpState = 'INIT';
  /** Base priority plus tracked-script weights (keepalived's "effective priority"). */
  priority: number;
  private masterDownAt?: number;
  /** When the Master_Down timer was last (re)started: the last advert heard, or the start. */
  private timerStartedAt = 0;
  private advertAt?: number;
  /** With preempt_delay: until when a backup still accepts a lower-priority master. */
  private preemptAt?: number;
  private failedWeightZero = new Set<string>();
  private weights = new Map<string, number>();

  constructor(
    public config: InstanceConfig,
    readonly address: string,
  ) {
    this.priority = config.priority;
  }

  private get name() {
    return `(${this.config.name})`;
  }

  /** RFC 3768 6.1: Skew_Time = (256 - Priority) / 256 seconds. */
  skewTime(): number {
    return ((256 - this.priority) / 256) * 1000;
  }

  /** RFC 3768 6.1: Master_Down_Interval = 3 x Advertisement_Interval + Skew_Time (ms). */
  masterDownInterval(): number {
    return 3 * this.config.advert_int * 1000 + this.skewTime();
  }

  /** The next moment tick() has something to do, if any. */
  nextTimer(): number | undefined {
    return this.state === 'MASTER' ? this.advertAt : this.state === 'BACKUP' ? this.masterDownAt : undefined;
  }

  start(now: number): Action[] {
    // Priority 255 is the address owner and takes over at once; any other node, even with "state MASTER",
    // starts as BACKUP and waits Master_Down_Interval for adverts ([LAB] "Entering BACKUP STATE (init)").
    if (this.config.state === 'MASTER' && this.priority === 255) return this.becomeMaster(now, []);
    if (this.failedWeightZero.size > 0) return this.enterFault([]);
    return this.becomeBackup(now, [{ kind: 'log', text: `${this.name} Entering BACKUP STATE (init)` }]);
  }

  tick(now: number): Action[] {
    if (this.state === 'MASTER' && this.advertAt !== undefined && now >= this.advertAt) {
      this.advertAt = now + this.config.advert_int * 1000;
      return [{ kind: 'advertise', priority: this.priority }];
    }
    if (this.state === 'BACKUP' && this.masterDownAt !== undefined && now >= this.masterDownAt) {
      return this.becomeMaster(
        now,
        [{ kind: 'log', text: `${this.name} Receive advertisement timeout` }],
        now - this.timerStartedAt,
      );
    }
    return [];
  }

  receive(advert: Advert, now: number): Action[] {
    if (advert.vrid !== this.config.virtual_router_id) return [];
    if (this.state === 'BACKUP') {
      if (advert.priority === 0) {
        // The master is leaving cleanly: take over after only Skew_Time.
        this.masterDownAt = now + this.skewTime();
        this.timerStartedAt = now;
        return [{ kind: 'log', text: `${this.name} Backup received priority 0 advertisement` }];
      }
      if (advert.priority >= this.priority || this.config.nopreempt || this.stillDelayingPreemption(now)) {
        this.masterDownAt = now + this.masterDownInterval();
        this.timerStartedAt = now;
        return [];
      }
      // Preemption: ignore the weaker master, so our Master_Down timer runs out and we take over.
      return [
        {
          kind: 'log',
          text: `${this.name} received lower priority (${advert.priority}) advert from ${advert.from} - discarding`,
        },
      ];
    }
    if (this.state === 'MASTER') {
      if (advert.priority === 0) return [{ kind: 'advertise', priority: this.priority }];
      const higher = advert.priority > this.priority;
      const tieWon = advert.priority === this.priority && ipValue(advert.from) > ipValue(this.address);
      if (!higher && !tieWon) {
        // Two masters (after a partition heals, or a race at start): keepalived re-asserts itself at once and
        // refreshes the neighbours' ARP caches, so the weaker one steps down on the advert it is about to receive.
        return [
          {
            kind: 'log',
            text: `${this.name} Received advert from ${advert.from} with lower priority ${advert.priority}, ours ${this.priority}, forcing new election`,
          },
          { kind: 'advertise', priority: this.priority },
          { kind: 'claim' },
        ];
      }
      const text = higher
        ? `${this.name} Master received advert from ${advert.from} with higher priority ${advert.priority}, ours ${this.priority}`
        : `${this.name} Master received advert from ${advert.from} with same priority ${advert.priority} but higher IP address than ours`;
      return this.becomeBackup(now, [
        { kind: 'log', text },
        { kind: 'log', text: `${this.name} Entering BACKUP STATE` },
        { kind: 'release' },
        { kind: 'log', text: `${this.name} removing VIPs.` },
      ]);
    }
    return [];
  }

  /** A tracked script changed state: move the effective priority by its weight, or enter FAULT for weight 0. */
  track(script: string, weight: number, ok: boolean, now: number): Action[] {
    if (weight === 0) {
      if (ok) this.failedWeightZero.delete(script);
      else this.failedWeightZero.add(script);
      if (!ok && this.state !== 'FAULT' && this.state !== 'INIT') return this.enterFault([]);
      if (ok && this.state === 'FAULT' && this.failedWeightZero.size === 0) {
        return this.becomeBackup(now, [{ kind: 'log', text: `${this.name} Entering BACKUP STATE` }]);
      }
      return [];
    }
    // Negative weights count while failing, positive ones while succeeding.
    this.weights.set(script, weight < 0 !== ok ? weight : 0);
    const next = this.effectivePriority();
    if (next === this.priority) return [];
    const actions: Action[] = [
      { kind: 'log', text: `${this.name} Changing effective priority from ${this.priority} to ${next}` },
    ];
    this.priority = next;
    actions.push({ kind: 'state', state: this.state, priority: next });
    return actions;
  }

  /**
   * A reload (SIGHUP) brought this instance new settings. As keepalived 2.2 does for an instance that is still in
   * the file, the state is kept and the effective priority recomputed from the new base priority. What follows is
   * the protocol's doing: a backup now stronger than the master discards its adverts and takes over when its
   * Master_Down timer runs out (unless nopreempt); a master now weaker is preempted by a stronger backup.
   */
  reconfigure(config: InstanceConfig): Action[] {
    this.config = config;
    // Weights of scripts this instance no longer tracks no longer count.
    for (const script of this.weights.keys())
      if (!config.track_script.some((t) => t.script.name === script)) this.weights.delete(script);
    const next = this.effectivePriority();
    if (next === this.priority) return [];
    this.priority = next;
    return [{ kind: 'state', state: this.state, priority: next }];
  }

  /** The base priority plus the tracked scripts' weights, within 1..254; keepalived never lets a weight make or unmake the address owner (255). */
  private effectivePriority(): number {
    const base = this.config.priority;
    const sum = [...this.weights.values()].reduce((a, b) => a + b, 0);
    return base === 255 ? 255 : Math.min(254, Math.max(1, base + sum));
  }

  /** A clean shutdown: a master sends a priority 0 advert so the backup takes over after Skew_Time only. */
  stop(): Action[] {
    const actions: Action[] = [];
    if (this.state === 'MASTER') {
      actions.push({ kind: 'advertise', priority: 0 }, { kind: 'log', text: `${this.name} sent 0 priority` });
      actions.push({ kind: 'release' }, { kind: 'log', text: `${this.name} removing VIPs.` });
    }
    this.state = 'STOP';
    this.masterDownAt = this.advertAt = undefined;
    actions.push({ kind: 'state', state: 'STOP', priority: this.priority });
    return actions;
  }

  private stillDelayingPreemption(now: number): boolean {
    if (!this.config.preempt_delay) return false;
    this.preemptAt ??= now + this.config.preempt_delay * 1000;
    return now < this.preemptAt;
  }

  /** `waited` is how long a backup went without adverts before taking over (the failover window it measured). */
  private becomeMaster(now: number, actions: Action[], waited?: number): Action[] {
    this.state = 'MASTER';
    this.masterDownAt = this.preemptAt = undefined;
    this.advertAt = now + this.config.advert_int * 1000;
    actions.push(
      { kind: 'advertise', priority: this.priority },
      { kind: 'log', text: `${this.name} Entering MASTER STATE` },
      { kind: 'log', text: `${this.name} setting VIPs.` },
      { kind: 'claim' },
      {
        kind: 'state',
        state: 'MASTER',
        priority: this.priority,
        ...(waited === undefined ? {} : { waited_ms: Math.round(waited) }),
      },
    );
    return actions;
  }

  private becomeBackup(now: number, actions: Action[]): Action[] {
    this.state = 'BACKUP';
    this.advertAt = this.preemptAt = undefined;
    this.masterDownAt = now + this.masterDownInterval();
    this.timerStartedAt = now;
    actions.push({ kind: 'state', state: 'BACKUP', priority: this.priority });
    return actions;
  }

  private enterFault(actions: Action[]): Action[] {
    if (this.state === 'MASTER')
      actions.push({ kind: 'release' }, { kind: 'log', text: `${this.name} removing VIPs.` });
    this.state = 'FAULT';
    this.masterDownAt = this.advertAt = undefined;
    actions.push(
      { kind: 'log', text: `${this.name} Entering FAULT STATE` },
      { kind: 'state', state: 'FAULT', priority: this.priority },
    );
    return actions;
  }
}
