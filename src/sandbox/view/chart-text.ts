// The one-line summary under each chart, so no reading depends on the picture. It gives the last complete second;
// when that second had nothing to measure (no request sent), the latest second that had, with its time: a caption
// under a chart that plots a line never says there is no data.

const round = (v: number) => Math.round(v * 10) / 10;

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
