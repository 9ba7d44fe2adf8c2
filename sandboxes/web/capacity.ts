// How much a web server can do at once: a pool of workers, each serving one request at a time for `service_ms`,
// and a bounded queue (the backlog) where requests wait for a free worker. This is the shape of every
// process-per-request or thread-per-request app server; the names map onto the real settings like this:
//
//   here          PHP-FPM                Apache httpd          gunicorn       Puma / Node
//   workers       pm.max_children (5)    MaxRequestWorkers     --workers      threads / a concurrency limit
//   backlog       listen.backlog (511)   ListenBacklog (511)   --backlog      server.listen({ backlog })
//   service_ms    the CPU time your code spends on one request (no setting: it is what the app costs)
//
// One server then answers at most workers / service time requests per second (5 / 0.14 s = 35.7 req/s with the
// defaults below). Below that, a request waits for nothing; above it, every worker is busy, requests queue and wait
// (latency climbs), and once the backlog is full the server answers 503 at once (errors climb). README.md tells the
// whole story and where the real servers differ.
//
// The pool is the pure core: no sockets and no timers; app.ts does the waiting and the answering.
import type { WebPoolEvent } from '../contracts/events/web';

export interface Capacity {
  /** Requests served at the same time. */
  workers: number;
  /** Requests that may wait for a worker; one more is refused. */
  backlog: number;
  /** Work per request, in milliseconds, during which the request holds its worker. */
  service_ms: number;
}

/**
 * PHP-FPM's shipped pool (`pm.max_children = 5`) with 140 ms of work per request: 35.7 req/s per server. So one
 * server carries the panel's 20 req/s (56 %) but not its 50 (140 %), two servers carry 50 (70 % each) and lose it
 * when one dies (the survivor at 140 %), and 100 req/s needs a third (93 % each). The backlog is far shorter than
 * the real default of 511, which at 140 % load would take 36 s to fill and make a queued request wait 14 s: with 20,
 * overload shows within two seconds, and a request waits at most 20 × 140 / 5 = 560 ms for a worker.
 */
export const DEFAULT_CAPACITY: Capacity = { workers: 5, backlog: 20, service_ms: 140 };

/** The most requests per second a server with this capacity can answer (Infinity when requests cost nothing). */
export const maxRate = (c: Capacity) => (c.service_ms > 0 ? (c.workers * 1000) / c.service_ms : Infinity);

/** "5 workers × 140 ms, backlog 20 (35.7 req/s at most)" */
export function describeCapacity(c: Capacity): string {
  const rate = maxRate(c);
  const most = Number.isFinite(rate) ? `${rate.toFixed(1)} req/s at most` : 'no limit on the rate';
  return `${c.workers} worker${c.workers === 1 ? '' : 's'} × ${c.service_ms} ms, backlog ${c.backlog} (${most})`;
}

/** How full the pool is and what happened since the last sample: the per-second `web.pool` event, documented there. */
export type PoolSample = Omit<WebPoolEvent, 'type'>;

export interface Admission {
  /** Resolves when a worker takes the request. */
  turn: Promise<void>;
  /** The client went away while the request waited: take it out of the queue (a worker never sees it). */
  cancel(): void;
}

export class WorkerPool {
  private busy = 0;
  private readonly waiting: (() => void)[] = [];
  private counts = { max_queued: 0, started: 0, refused: 0 };

  constructor(private capacity: Pick<Capacity, 'workers' | 'backlog'>) {}

  /** A place for a new request: a worker now, a place in the queue, or undefined when the backlog is full. */
  admit(): Admission | undefined {
    if (this.busy < this.capacity.workers && this.waiting.length === 0) {
      this.take();
      return { turn: Promise.resolve(), cancel: () => {} };
    }
    if (this.waiting.length >= this.capacity.backlog) {
      this.counts.refused++;
      return undefined;
    }
    let wake!: () => void;
    const turn = new Promise<void>((resolve) => (wake = resolve));
    this.waiting.push(wake);
    this.counts.max_queued = Math.max(this.counts.max_queued, this.waiting.length);
    return {
      turn,
      cancel: () => {
        const at = this.waiting.indexOf(wake);
        if (at >= 0) this.waiting.splice(at, 1);
      },
    };
  }

  /** A worker finished its request: it takes the next one waiting. */
  release(): void {
    this.busy--;
    this.fill();
  }

  /**
   * New limits, as after editing the pool's settings and reloading: more workers take waiting requests at once;
   * requests already queued stay queued even if the backlog shrank (a kernel keeps the connections it queued).
   */
  resize(capacity: Pick<Capacity, 'workers' | 'backlog'>): void {
    this.capacity = capacity;
    this.fill();
  }

  /** How full the pool is now. */
  now(): Pick<PoolSample, 'workers' | 'backlog' | 'busy' | 'queued'> {
    const { workers, backlog } = this.capacity;
    return { workers, backlog, busy: this.busy, queued: this.waiting.length };
  }

  /** How full the pool is now and what happened since the last sample, then starts counting afresh. */
  sample(): PoolSample {
    const sample = { ...this.now(), ...this.counts };
    this.counts = { max_queued: this.waiting.length, started: 0, refused: 0 };
    return sample;
  }

  private fill(): void {
    while (this.busy < this.capacity.workers && this.waiting.length > 0) {
      this.take();
      this.waiting.shift()!();
    }
  }

  private take(): void {
    this.busy++;
    this.counts.started++;
  }
}
