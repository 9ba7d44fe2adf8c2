// Alerting rules as Prometheus evaluates them (https://prometheus.io/docs/prometheus/latest/configuration/alerting_rules/):
// every evaluation, each element of the rule's result is an active alert. A new one is `pending`; once it has been
// active for the rule's `for`, it is `firing`; when it leaves the result, a firing alert is `resolved` (what
// Alertmanager then notifies) and a pending one simply disappears. Pure: main.ts runs it on a timer.
import { compile, evaluate } from './promql';
import { keyOf, type Labels, type Tsdb } from './tsdb';

export interface AlertRule {
  alert: string;
  expr: string;
  /** How long the condition must hold before the alert fires (ms); 0 fires at once. */
  forMs: number;
  labels: Labels;
  annotations: Record<string, string>;
}

export interface Alert {
  labels: Labels;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
  activeAt: number;
  value: number;
}

export interface Transition {
  rule: string;
  state: 'pending' | 'firing' | 'resolved';
  labels: Labels;
  annotations: Record<string, string>;
  value: number;
}

/** Fills {{ $labels.x }} and {{ $value }} as Prometheus's templates do for the common cases. */
function template(text: string, labels: Labels, value: number): string {
  return text.replace(/\{\{\s*\$labels\.(\w+)\s*\}\}/g, (_, k: string) => labels[k] ?? '').replace(/\{\{\s*\$value\s*\}\}/g, String(Number(value.toFixed(4))));
}

export class RuleState {
  readonly active = new Map<string, Alert>();
  private readonly query;

  constructor(readonly rule: AlertRule) {
    this.query = compile(rule.expr);
  }

  evaluate(db: Tsdb, now: number): Transition[] {
    const transitions: Transition[] = [];
    const seen = new Set<string>();
    for (const sample of evaluate(this.query, db, now)) {
      const { __name__: _, ...series } = sample.labels;
      const labels = { alertname: this.rule.alert, ...series, ...this.rule.labels };
      const key = keyOf(labels);
      seen.add(key);
      const annotations = Object.fromEntries(Object.entries(this.rule.annotations).map(([k, v]) => [k, template(v, labels, sample.value)]));
      let alert = this.active.get(key);
      if (!alert) {
        alert = { labels, annotations, state: 'pending', activeAt: now, value: sample.value };
        this.active.set(key, alert);
        if (this.rule.forMs > 0) transitions.push({ rule: this.rule.alert, state: 'pending', labels, annotations, value: sample.value });
      }
      alert.value = sample.value;
      alert.annotations = annotations;
      if (alert.state === 'pending' && now - alert.activeAt >= this.rule.forMs) {
        alert.state = 'firing';
        transitions.push({ rule: this.rule.alert, state: 'firing', labels, annotations, value: sample.value });
      }
    }
    for (const [key, alert] of this.active) {
      if (seen.has(key)) continue;
      this.active.delete(key);
      if (alert.state === 'firing') transitions.push({ rule: this.rule.alert, state: 'resolved', labels: alert.labels, annotations: alert.annotations, value: alert.value });
    }
    return transitions;
  }
}
