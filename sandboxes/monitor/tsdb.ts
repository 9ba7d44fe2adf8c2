// Short in-memory series, as Prometheus keeps them in its head block: one list of (time, value) per label set.
// A failed scrape writes a staleness marker for every series of that target, so they drop out of instant queries
// at once instead of lingering for the 5-minute lookback (Prometheus 2.x staleness handling).

export type Labels = Record<string, string>;

interface Series {
  labels: Labels;
  points: { t: number; v: number; stale?: boolean }[];
}

const LOOKBACK_MS = 5 * 60_000;

export const keyOf = (labels: Labels) =>
  Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',');

export class Tsdb {
  private series = new Map<string, Series>();

  constructor(readonly retentionMs = 15 * 60_000) {}

  append(labels: Labels, t: number, v: number): void {
    const key = keyOf(labels);
    const series = this.series.get(key) ?? { labels, points: [] };
    this.series.set(key, series);
    series.points.push({ t, v });
    while (series.points.length && series.points[0].t < t - this.retentionMs) series.points.shift();
  }

  /** Marks every series of a target stale (its scrape failed). */
  markStale(match: (labels: Labels) => boolean, t: number): void {
    for (const s of this.series.values()) {
      if (match(s.labels) && s.labels.__name__ !== 'up' && !s.points.at(-1)?.stale)
        s.points.push({ t, v: NaN, stale: true });
    }
  }

  /** The latest value of each series at time t (an instant vector). */
  instant(select: (labels: Labels) => boolean, t: number): { labels: Labels; value: number }[] {
    const out = [];
    for (const s of this.series.values()) {
      if (!select(s.labels)) continue;
      const last = s.points.findLast((p) => p.t <= t);
      if (last && !last.stale && last.t >= t - LOOKBACK_MS) out.push({ labels: s.labels, value: last.v });
    }
    return out;
  }

  /** Every point of each series within (t - range, t] (a range vector). */
  range(
    select: (labels: Labels) => boolean,
    t: number,
    rangeMs: number,
  ): { labels: Labels; points: { t: number; v: number }[] }[] {
    const out = [];
    for (const s of this.series.values()) {
      if (!select(s.labels)) continue;
      const points = s.points.filter((p) => !p.stale && p.t > t - rangeMs && p.t <= t);
      if (points.length) out.push({ labels: s.labels, points });
    }
    return out;
  }
}
