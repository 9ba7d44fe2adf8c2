// The other end of report.ts: a program's stdout read as it writes it under the supervisor, one JSON event a line.
// The supervisor reads its nodes this way, keepalived the balancer it runs next to, and the tests every program.
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/**
 * Calls `each` with every line of `stdout` as it arrives: the event it holds, or undefined for a line that is not an
 * event (plain text, as a program run by hand prints), and the line itself.
 */
export function eachEventLine<Event extends { type: string }>(
  stdout: Readable,
  each: (event: Event | undefined, line: string) => void,
): void {
  createInterface({ input: stdout }).on('line', (line) => each(parse<Event>(line), line));
}

function parse<Event extends { type: string }>(line: string): Event | undefined {
  try {
    const value = JSON.parse(line) as Partial<Event> | null;
    return typeof value?.type === 'string' ? (value as Event) : undefined;
  } catch {
    return undefined;
  }
}
