// The one ordered event stream: every event, the supervisor's own and its nodes', gets the next sequence number,
// the time since the supervisor started and the name of its node, and goes out as one JSON line.
import type { NodeEvent, SandboxEvent } from '../contracts/events/index';
import type { SupervisorEvent } from '../contracts/events/supervisor';

/** Enough for a long lesson at a steady load; older events are dropped from replays (views keep their own copy). */
const KEPT = 200_000;

export class EventStream {
  private seq = 0;
  private readonly started = performance.now();
  private readonly kept: SandboxEvent[] = [];
  /** Sequence number of the first event of the current run (the scenario's start or its last reset). */
  private runStart = 1;
  private readonly listeners = new Set<(event: SandboxEvent) => void>();

  constructor(private readonly write: (line: string) => void) {}

  /** The stream's clock: milliseconds since the supervisor started, as in every event's `time`. */
  now(): number {
    return Math.round(performance.now() - this.started);
  }

  publish(node: string, event: NodeEvent | SupervisorEvent): SandboxEvent {
    const stamped = { seq: ++this.seq, time: this.now(), node, ...event } as SandboxEvent;
    this.kept.push(stamped);
    if (this.kept.length > KEPT) this.kept.splice(0, this.kept.length - KEPT);
    this.write(JSON.stringify(stamped) + '\n');
    for (const listener of this.listeners) listener(stamped);
    return stamped;
  }

  /** Starts a new run: the history goals are checked against begins with the next event. */
  newRun(): void {
    this.runStart = this.seq + 1;
  }

  /** The events of the current run, oldest first. */
  history(): SandboxEvent[] {
    return this.after(this.runStart - 1);
  }

  /** The events after sequence number `seq` that are still kept. */
  after(seq: number): SandboxEvent[] {
    const first = this.kept.findIndex((e) => e.seq > seq);
    return first < 0 ? [] : this.kept.slice(first);
  }

  subscribe(listener: (event: SandboxEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The first event from now on that matches, or undefined after `ms`. */
  waitFor(match: (event: SandboxEvent) => boolean, ms: number): Promise<SandboxEvent | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(undefined), ms);
      const stop = this.subscribe((event) => match(event) && finish(event));
      function finish(event: SandboxEvent | undefined) {
        clearTimeout(timer);
        stop();
        resolve(event);
      }
    });
  }
}
