// How a web server misbehaves, for the lessons' faults: slow (added latency), flaky (a share of requests fail with
// 500) and frozen (connections are accepted, requests read, nothing is ever answered: a hung app, which a TCP
// check still sees as alive and only an HTTP check catches). And how much it can do at once (capacity.ts): its
// workers, its backlog and the work each request costs.
//
// Set at start with flags (--slow 300ms --flaky 0.2 --frozen --workers 5 --backlog 20 --service-time 140ms) and at
// run time with one line on stdin, e.g.
//   slow 300ms            slow 2s            flaky 0.25           frozen on          normal
//   slow 0 flaky 0 frozen off                (several settings on one line)
//   workers 8             backlog 50         service 100ms
// `normal` ends the faults and keeps the capacity. The supervisor's `web` command sends such a line; a learner
// running web.js by hand can type one.

import { durationMs } from '../shared/duration';
import { MAX_BACKLOG, MAX_WORKERS } from '../contracts/commands';
import { DEFAULT_CAPACITY, describeCapacity, type Capacity } from './capacity';

export interface Faults {
  slow_ms: number;
  flaky: number;
  frozen: boolean;
}

export type Behaviour = Faults & Capacity;

export const NORMAL: Faults = { slow_ms: 0, flaky: 0, frozen: false };
export const DEFAULT_BEHAVIOUR: Behaviour = { ...NORMAL, ...DEFAULT_CAPACITY };

/** "300ms", "2s" or a bare number of milliseconds. */
export function parseDuration(text: string): number {
  const ms = durationMs(text, 'ms');
  if (ms === undefined) throw new Error(`invalid duration '${text}': expected milliseconds like 300, 300ms or 2s`);
  return ms;
}

export function parseRatio(text: string): number {
  const ratio = Number(text);
  if (text === '' || !(ratio >= 0 && ratio <= 1))
    throw new Error(`invalid error ratio '${text}': expected a number from 0 to 1, e.g. 0.2`);
  return ratio;
}

/** A whole number from `least` to `most`, for the pool's sizes. */
export function parseCount(text: string, what: 'workers' | 'backlog'): number {
  const [least, most] = what === 'workers' ? [1, MAX_WORKERS] : [0, MAX_BACKLOG];
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < least || n > most)
    throw new Error(`invalid ${what} '${text}': expected a whole number from ${least} to ${most}`);
  return n;
}

function parseSwitch(text: string): boolean {
  if (text === 'on' || text === 'true') return true;
  if (text === 'off' || text === 'false') return false;
  throw new Error(`invalid switch '${text}': expected on or off`);
}

/** Applies one settings line to a behaviour; throws a readable error for anything it does not understand. */
export function applyLine(current: Behaviour, line: string): Behaviour {
  const words = line.trim().split(/\s+/).filter(Boolean);
  if (words.length === 1 && words[0] === 'normal') return { ...current, ...NORMAL };
  const next = { ...current };
  for (let i = 0; i < words.length; i += 2) {
    const [setting, value] = [words[i], words[i + 1]];
    if (value === undefined) throw new Error(`'${setting}' needs a value, e.g. slow 300ms, flaky 0.2, frozen on`);
    if (setting === 'slow') next.slow_ms = parseDuration(value);
    else if (setting === 'flaky') next.flaky = parseRatio(value);
    else if (setting === 'frozen') next.frozen = parseSwitch(value);
    else if (setting === 'workers' || setting === 'backlog') next[setting] = parseCount(value, setting);
    else if (setting === 'service') next.service_ms = parseDuration(value);
    else throw new Error(`unknown setting '${setting}': use slow, flaky, frozen, workers, backlog, service or normal`);
  }
  return next;
}

/** The line that sets a behaviour (what the supervisor sends on stdin). */
export function toLine(b: Partial<Behaviour>): string {
  const parts: string[] = [];
  if (b.slow_ms !== undefined) parts.push(`slow ${b.slow_ms}ms`);
  if (b.flaky !== undefined) parts.push(`flaky ${b.flaky}`);
  if (b.frozen !== undefined) parts.push(`frozen ${b.frozen ? 'on' : 'off'}`);
  if (b.workers !== undefined) parts.push(`workers ${b.workers}`);
  if (b.backlog !== undefined) parts.push(`backlog ${b.backlog}`);
  if (b.service_ms !== undefined) parts.push(`service ${b.service_ms}ms`);
  return parts.join(' ');
}

/** "slow 300 ms, 20% errors" or "normal": the faults (describeCapacity in capacity.ts says the rest). */
export function describe(b: Faults): string {
  const parts: string[] = [];
  if (b.frozen) parts.push('frozen');
  if (b.slow_ms) parts.push(`slow ${b.slow_ms} ms`);
  if (b.flaky) parts.push(`${Math.round(b.flaky * 100)}% errors`);
  return parts.join(', ') || 'normal';
}

/** What a settings line changed, in words: the faults, the capacity, or both. */
export function describeChange(b: Behaviour, changed: Partial<Behaviour>): string {
  const faults = changed.slow_ms !== undefined || changed.flaky !== undefined || changed.frozen !== undefined;
  const capacity = changed.workers !== undefined || changed.backlog !== undefined || changed.service_ms !== undefined;
  return [(faults || !capacity) && describe(b), capacity && describeCapacity(b)].filter(Boolean).join('; ');
}
