// Events of the edge: the keepalived-like balancer pair (vrrp), the firewall and the monitor's alerts.

/** A VRRP instance changed state or effective priority; a MASTER holds (and has announced) the virtual addresses. */
export interface VrrpStateEvent {
  type: 'vrrp.state';
  instance: string;
  vrid: number;
  state: 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOP';
  priority: number;
  vips: string[];
  /**
   * On a takeover by a BACKUP: how long it went without adverts before becoming MASTER, by its own clock: the
   * Master_Down_Interval after a crash, the Skew_Time after a priority-0 advert.
   */
  waited_ms?: number;
}

/** A VRRP advertisement arrived (the heartbeat between the pair; a backup's Master_Down timer restarts on it). */
export interface VrrpAdvertEvent {
  type: 'vrrp.advert';
  instance: string;
  vrid: number;
  from: string;
  priority: number;
}

/** A connection the firewall of this node dropped or rejected (what ufw logs as [UFW BLOCK]). */
export interface FirewallEvent {
  type: 'firewall.block';
  action: 'DROP' | 'REJECT' | 'LIMIT';
  source: string;
  destination: string;
}

/** A Prometheus-style alert changed state (Alertmanager's words: pending, firing, resolved). */
export interface AlertEvent {
  type: 'monitor.alert';
  alertname: string;
  state: 'pending' | 'firing' | 'resolved';
  labels: Record<string, string>;
  summary: string;
  value: number;
}

/** One scrape of one target by the monitor (Prometheus's `up` and `scrape_duration_seconds`). */
export interface ScrapeEvent {
  type: 'monitor.scrape';
  job: string;
  instance: string;
  up: 0 | 1;
  duration_ms: number;
}

export type EdgeEvent = VrrpStateEvent | VrrpAdvertEvent | FirewallEvent | AlertEvent | ScrapeEvent;
