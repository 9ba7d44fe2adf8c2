// Durations as people type them: "300ms", "2s", "5m", "1h". A bare number takes the unit that the place it is
// typed in expects (milliseconds for a web server's delay, seconds for `load -d`), as the real tools do.
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type Unit = keyof typeof UNIT_MS;

/** Milliseconds, or undefined when `text` is not a duration (a bare number is refused when bareUnit is null). */
export function durationMs(text: string, bareUnit: Unit | null): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  const unit = (match?.[2] as Unit | undefined) ?? bareUnit;
  if (!match || !unit) return undefined;
  return Math.round(Number(match[1]) * UNIT_MS[unit]);
}
