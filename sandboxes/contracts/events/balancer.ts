// The balancer's events (sandboxes/balancer): what HAProxy's log says, as structured data.

/**
 * One HTTP request the balancer answered (from a server or by itself), with the fields of HAProxy's httplog line:
 * `fe_web be_app/app1 0/0/1/2/3 200 138 - - ---- 1/1/0/0/0 0/0 "GET / HTTP/1.1"`.
 */
export interface BalancerRequestEvent {
  type: 'balancer.request';
  /** The client, "ip:port". */
  client: string;
  frontend: string;
  backend: string;
  /** The server that answered last; null for HAProxy's `<NOSRV>` (no server was reached or chosen). */
  server: string | null;
  method: string;
  path: string;
  status: number;
  /** Bytes of the answer sent to the client, headers included. */
  bytes: number;
  /** HAProxy's timers in ms, -1 for a step never reached: TR request, Tw queue, Tc connect, Tr response, Ta total. */
  timings: { TR: number; Tw: number; Tc: number; Tr: number; Ta: number };
  /** HAProxy's four-letter termination state: `----` normal, `SC--` connection refused, `sH--` server timeout... */
  termination: string;
  /** Connection retries made; `redispatched` when one of them went to another server (`+1` in the log). */
  retries: number;
  redispatched: boolean;
  /** The client's connection was TLS (HAProxy's `ssl_fc`; its log writes the frontend as `fe_web~`). */
  tls?: boolean;
  /** Headers the balancer's own rules wrote on the answer (a redirect's `location`, `http-response set-header`). */
  setHeaders?: Record<string, string>;
}

/**
 * A server's status changed: a health check moved it (`UP` → `UP 2/3` → `UP 1/3` → `DOWN`), or an admin command
 * (MAINT, DRAIN, weight). `status` is the stats page's word for it.
 */
export interface BalancerServerEvent {
  type: 'balancer.server';
  backend: string;
  server: string;
  /** `UP`, `UP 2/3`, `DOWN`, `DOWN 1/2`, `MAINT`, `DRAIN`, `no check`. */
  status: string;
  /** Whether the server takes new requests now. */
  usable: boolean;
  weight: number;
  /** The check that caused it, when a check did. */
  check?: { status: string; description: string; code?: number; info?: string; duration_ms: number };
  /** Set when the server crossed between UP and DOWN (the moments HAProxy logs). */
  transition?: 'UP' | 'DOWN';
}

/** A backend lost its last usable server (HAProxy's alert `backend 'be_app' has no server available!`), or got one back. */
export interface BalancerBackendEvent {
  type: 'balancer.backend';
  backend: string;
  available: boolean;
  active: number;
  backup: number;
}

/** The configuration was re-read (`reload` on its stdin or on the runtime API): applied, or refused with the errors. */
export interface BalancerReloadEvent {
  type: 'balancer.reload';
  ok: boolean;
  /** HAProxy's alert lines when it was refused; warnings when it was applied. */
  messages: string[];
}

/** The balancer listens: its frontends' addresses, the stats pages and the runtime API. */
export interface BalancerListeningEvent {
  type: 'balancer.listening';
  frontends: { name: string; address: string }[];
  statsSockets: string[];
}

export type BalancerEvent =
  BalancerRequestEvent | BalancerServerEvent | BalancerBackendEvent | BalancerReloadEvent | BalancerListeningEvent;
