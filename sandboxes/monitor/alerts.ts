// Alerting rules as Prometheus evaluates them (https://prometheus.io/docs/prometheus/latest/configuration/alerting_rules/):
// every evaluation, each element of the rule's result is an active alert. A new one is `pending`; once it has been
// active for the rule's `for`, it is `firing`; when it leaves the result, a firing alert is `resolved` (what
// Alertmanager then notifies) and a pending one simply disappears. Pure: main.ts runs it on a timer.
//
// One departure, so that no notification states what is no longer true: Prometheus sends a resolved alert with the
// annotations of its last evaluation while active (rules/alerting.go, Eval: only State and ResolvedAt change), so a
// [RESOLVED] HighErrorRate still says "answers 0.0612 of its
// requests with 5xx", a rate above the threshold it no longer meets. Here a resolved threshold alert
// (`<measure> > 0.05`) is rendered with the measure at the moment it resolved.
import { compile, evaluate, thresholdMeasure } from './promql';
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
  return text
    .replace(/\{\{\s*\$labels\.(\w+)\s*\}\}/g, (_, k: string) => labels[k] ?? '')
    .replace(/\{\{\s*\$value\s*\}\}/g, String(Number(value.toFixed(4))));
}

export class RuleState {
  readonly active = new Map<string, Alert>();
  private readonly query;
  private readonly measure;

  constructor(readonly rule: AlertRule) {
    this.query = compile(rule.expr);
    this.measure = thresholdMeasure(rule.expr);
  }

  /** An alert's labels: the rule's name, the series' labels (not its metric name), the rule's own labels. */
  private labelsOf(series: Labels): Labels {
    const { __name__: _, ...rest } = series;
    return { alertname: this.rule.alert, ...rest, ...this.rule.labels };
  }

  private annotate(labels: Labels, value: number): Record<string, string> {
    return Object.fromEntries(Object.entries(this.rule.annotations).map(([k, v]) => [k, template(v, labels, value)]));
  }

  evaluate(db: Tsdb, now: number): Transition[] {
    const transitions: Transition[] = [];
    const seen = new Set<string>();
    for (const sample of evaluate(this.query, db, now)) {
      const labels = this.labelsOf(sample.labels);
      const key = keyOf(labels);
      seen.add(key);
      const annotations = this.annotate(labels, sample.value);
      let alert = this.active.get(key);
      if (!alert) {
        alert = { labels, annotations, state: 'pending', activeAt: now, value: sample.value };
        this.active.set(key, alert);
        if (this.rule.forMs > 0)
          transitions.push({ rule: this.rule.alert, state: 'pending', labels, annotations, value: sample.value });
      }
      alert.value = sample.value;
      alert.annotations = annotations;
      if (alert.state === 'pending' && now - alert.activeAt >= this.rule.forMs) {
        alert.state = 'firing';
        transitions.push({ rule: this.rule.alert, state: 'firing', labels, annotations, value: sample.value });
      }
    }
    const measured = () =>
      new Map(
        (this.measure ? evaluate(this.measure, db, now) : []).map((s) => [keyOf(this.labelsOf(s.labels)), s.value]),
      );
    let measuredNow: Map<string, number> | undefined;
    for (const [key, alert] of this.active) {
      if (seen.has(key)) continue;
      this.active.delete(key);
      if (alert.state !== 'firing') continue;
      // (Without a measure now, e.g. its target's series gone stale, the last annotations are all there is to tell.)
      const value = (measuredNow ??= measured()).get(key);
      const annotations = value === undefined ? alert.annotations : this.annotate(alert.labels, value);
      transitions.push({
        rule: this.rule.alert,
        state: 'resolved',
        labels: alert.labels,
        annotations,
        value: value ?? alert.value,
      });
    }
    return transitions;
  }
}
