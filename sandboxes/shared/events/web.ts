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
  duration_ms: number;
  client: string;
}

/** The server's behaviour changed (from its arguments at start, or a line on its stdin). */
export interface WebBehaviourEvent {
  type: 'web.behaviour';
  slow_ms: number;
  flaky: number;
  frozen: boolean;
}

export type WebEvent = WebListeningEvent | WebRequestEvent | WebBehaviourEvent;
