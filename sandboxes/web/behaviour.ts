// How a web server misbehaves, for the lessons' faults: slow (added latency), flaky (a share of requests fail with
// 500) and frozen (connections are accepted, requests read, nothing is ever answered: a hung app, which a TCP
// check still sees as alive and only an HTTP check catches).
//
// Set at start with flags (--slow 300ms --flaky 0.2 --frozen) and at run time with one line on stdin, e.g.
//   slow 300ms            slow 2s            flaky 0.25           frozen on          normal
//   slow 0 flaky 0 frozen off                (several settings on one line)
// The supervisor's `web` command sends such a line; a learner running web.js by hand can type one.

import { durationMs } from '../shared/duration';

export interface Behaviour {
  slow_ms: number;
  flaky: number;
  frozen: boolean;
}

export const NORMAL: Behaviour = { slow_ms: 0, flaky: 0, frozen: false };

/** "300ms", "2s" or a bare number of milliseconds. */
export function parseDuration(text: string): number {
  const ms = durationMs(text, 'ms');
  if (ms === undefined) throw new Error(`invalid duration '${text}': expected milliseconds like 300, 300ms or 2s`);
  return ms;
}

export function parseRatio(text: string): number {
  const ratio = Number(text);
  if (text === '' || !(ratio >= 0 && ratio <= 1)) throw new Error(`invalid error ratio '${text}': expected a number from 0 to 1, e.g. 0.2`);
  return ratio;
}

function parseSwitch(text: string): boolean {
  if (text === 'on' || text === 'true') return true;
  if (text === 'off' || text === 'false') return false;
  throw new Error(`invalid switch '${text}': expected on or off`);
}

/** Applies one settings line to a behaviour; throws a readable error for anything it does not understand. */
export function applyLine(current: Behaviour, line: string): Behaviour {
  const words = line.trim().split(/\s+/).filter(Boolean);
  if (words.length === 1 && words[0] === 'normal') return { ...NORMAL };
  const next = { ...current };
  for (let i = 0; i < words.length; i += 2) {
    const [setting, value] = [words[i], words[i + 1]];
    if (value === undefined) throw new Error(`'${setting}' needs a value, e.g. slow 300ms, flaky 0.2, frozen on`);
    if (setting === 'slow') next.slow_ms = parseDuration(value);
    else if (setting === 'flaky') next.flaky = parseRatio(value);
    else if (setting === 'frozen') next.frozen = parseSwitch(value);
    else throw new Error(`unknown setting '${setting}': use slow, flaky, frozen or normal`);
  }
  return next;
}

/** The line that sets a behaviour (what the supervisor sends on stdin). */
export function toLine(b: Partial<Behaviour>): string {
  const parts: string[] = [];
  if (b.slow_ms !== undefined) parts.push(`slow ${b.slow_ms}ms`);
  if (b.flaky !== undefined) parts.push(`flaky ${b.flaky}`);
  if (b.frozen !== undefined) parts.push(`frozen ${b.frozen ? 'on' : 'off'}`);
  return parts.join(' ');
}

/** "slow 300 ms, 20% errors" or "normal". */
export function describe(b: Behaviour): string {
  const parts: string[] = [];
  if (b.frozen) parts.push('frozen');
  if (b.slow_ms) parts.push(`slow ${b.slow_ms} ms`);
  if (b.flaky) parts.push(`${Math.round(b.flaky * 100)}% errors`);
  return parts.join(', ') || 'normal';
}
