// Events of Prometheus's model (sandboxes/monitor): its scrapes and its alerts' states.

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

export type MonitorEvent = AlertEvent | ScrapeEvent;
