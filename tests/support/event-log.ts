// What a sandbox process reports, as a test sees it arrive: its stdout read the way the supervisor reads it
// (sandboxes/shared/event-lines.ts), each event kept with the time it came, and waited for with a bound.
import type { Readable } from 'node:stream';
import { eachEventLine } from '../../sandboxes/shared/event-lines';

export interface Seen<Event> {
  event: Event;
  /** performance.now() in the test process when the line arrived. */
  at: number;
}

export class EventLog<Event extends { type: string }> {
  readonly events: Event[] = [];
  readonly seen: Seen<Event>[] = [];
  private readonly waiters = new Set<() => void>();

  /** `about` names the process and adds what else it said (its stderr), for the message of a wait that timed out. */
  constructor(
    stdout: Readable,
    private readonly about: () => string,
  ) {
    eachEventLine<Event>(stdout, (event, line) => {
      // Under the supervisor every line a program prints is an event; anything else is a bug the test should show.
      if (!event) throw new Error(`${about()}: a line on stdout that is not an event: ${line}`);
      this.events.push(event);
      this.seen.push({ event, at: performance.now() });
      this.waiters.forEach((wake) => wake());
    });
  }

  /** The first event from index `from` on (already seen or still to come) that matches; rejects after `ms`. */
  waitFor(match: (event: Event, at: number) => boolean, ms: number, from = 0): Promise<Seen<Event>> {
    return new Promise((resolve, reject) => {
      let next = from; // each event is looked at once, however long the wait
      const check = () => {
        for (; next < this.seen.length; next++) {
          const found = this.seen[next];
          if (!match(found.event, found.at)) continue;
          this.waiters.delete(check);
          clearTimeout(timer);
          return resolve(found);
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        const last = this.events.slice(-12).map((e) => JSON.stringify(e));
        reject(new Error(`${this.about()}: no matching event within ${ms} ms; last events:\n${last.join('\n')}`));
      }, ms);
      this.waiters.add(check);
      check();
    });
  }
}
