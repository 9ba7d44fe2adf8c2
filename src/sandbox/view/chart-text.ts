// What a chart shows of its series: the seconds it plots, and the one-line summary under it, so no reading depends on
// the picture. Both end at the last complete second. When that second had nothing to measure (no request sent), the
// summary gives the latest second that had, with its time: a caption under a chart that plots a line never says
// there is no data.

const round = (v: number) => Math.round(v * 10) / 10;

/**
 * The columns a chart plots: every second but the newest, which is still under way. Plotted, its partial counts would
 * draw every line falling at the live edge; the plot ends where its caption reads, at the last complete second.
 */
export function plotted<T>(columns: readonly (readonly T[])[]): T[][] {
  return columns.map((column) => column.slice(0, -1));
}

/** E.g. "errors 100 %", "p95 4.2 ms (last at 31 s)", "errors: nothing measured yet". */
export function caption(
  name: string,
  values: readonly (number | null)[],
  seconds: readonly number[],
  unit: string,
): string {
  // The newest column is the second still under way: the latest complete one is the one before it.
  const complete = values.length - 2;
  for (let i = complete; i >= 0; i--) {
    const value = values[i];
    if (value == null) continue;
    return i === complete
      ? `${name} ${round(value)}${unit}`
      : `${name} ${round(value)}${unit} (last at ${seconds[i]} s)`;
  }
  return `${name}: nothing measured yet`;
}
