// A web server's events (sandboxes/web).

/** The server listens on its address. */
export interface WebListeningEvent {
  type: 'web.listening';
  address: string;
  port: number;
}

/**
 * A request the server answered (or, when frozen, never will: no event then). `client` is the address the
 * request came from, the balancer's for proxied traffic.
 */
export interface WebRequestEvent {
  type: 'web.request';
  method: string;
  path: string;
  status: number;
  /** From the request's arrival to the end of its answer, waiting included. */
  duration_ms: number;
  /** Of that, the time it waited in the backlog for a free worker (0 when one was free, and for /health, /metrics). */
  wait_ms: number;
  client: string;
}

/** The server's behaviour or capacity changed (from its arguments at start, or a line on its stdin). */
export interface WebBehaviourEvent {
  type: 'web.behaviour';
  slow_ms: number;
  flaky: number;
  frozen: boolean;
  /** Requests served at once (see sandboxes/web/capacity.ts). */
  workers: number;
  /** Requests that may wait for a worker before the server answers 503. */
  backlog: number;
  /** Work per request, in milliseconds. */
  service_ms: number;
}

/**
 * The worker pool, once a second while the server has had work (and once more when it falls idle): how full it
 * is now and what happened in that second. Saturation shows here before it shows as errors: `queued` above 0
 * means every worker is busy; `refused` above 0 means the backlog was full and clients got 503.
 */
export interface WebPoolEvent {
  type: 'web.pool';
  workers: number;
  backlog: number;
  /** Workers serving a request at the moment of the sample. */
  busy: number;
  /** Requests waiting for a worker at the moment of the sample. */
  queued: number;
  /** The most requests waiting at once during the second. */
  max_queued: number;
  /** Requests that got a worker during the second. */
  started: number;
  /** Requests answered 503 during the second because the backlog was full. */
  refused: number;
}

export type WebEvent = WebListeningEvent | WebRequestEvent | WebBehaviourEvent | WebPoolEvent;
