// The Prometheus node (sandboxes/monitor) and the alert states the goal checks read from the event stream.
import type { SandboxEvent } from '../../contracts/events/index';
import type { ScenarioNode } from '../../contracts/scenario';

type Event<T extends SandboxEvent['type']> = Extract<SandboxEvent, { type: T }>;

/** The Prometheus-like monitor prom-01 at 10.0.0.31 (API on :9090), reading prometheus.yml and alerts.yml. */
export function prometheus(): ScenarioNode {
  return {
    name: 'prom-01',
    role: 'monitor',
    program: 'monitor',
    address: '10.0.0.31',
    ports: [9090],
    args: ['--config.file=prometheus.yml'],
    config: 'prometheus.yml',
  };
}

export function alerts(
  events: readonly SandboxEvent[],
  alertname: string,
  state: 'pending' | 'firing' | 'resolved',
): Event<'monitor.alert'>[] {
  return events.filter(
    (e): e is Event<'monitor.alert'> => e.type === 'monitor.alert' && e.alertname === alertname && e.state === state,
  );
}
