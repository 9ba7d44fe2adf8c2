// A frontend: where clients connect (`bind`). It reads requests, answers the ones meant for the balancer itself
// (the stats page, the Prometheus exporter), hands the others to the proxy path, then logs and counts them.
//
// Client-side rules mirrored from HAProxy: a request that is not valid HTTP gets the 400 page; a client that does
// not send a complete request within `timeout client` gets the 408 page; an idle kept-alive connection is closed
// silently when `timeout client` expires.
import http from 'node:http';
import type { Socket } from 'node:net';
import { log, report } from '../shared/report';
import { Counters, type Backend } from './backend';
import type { ProxyConfig } from './config';
import { errorPages } from './errors';
import { httplogLine } from './httplog';
import { answer, forward, type Exchange } from './proxy';
import { isTls, type Verdict } from './rules';
import type { BalancerRequestEvent } from '../contracts/events/balancer';

export interface Frontend {
  config: ProxyConfig;
  backend?: Backend;
  counters: Counters;
  /** Client connections open on this frontend (feconn). */
  conns: number;
  /** Requests refused by an `http-request deny` rule. */
  denied: number;
  /** The `http-request` rules (track-sc0, deny, redirect): what to answer instead of the backend, or undefined. */
  requestRules?: (req: http.IncomingMessage) => Verdict | undefined;
  /** The `http-response`/`http-after-response` header rules: sets headers on an answer, returns what it set. */
  headerRules?: (
    req: http.IncomingMessage,
    headers: http.OutgoingHttpHeaders,
    fromServer: boolean,
  ) => Record<string, string>;
  /** Pages the balancer serves itself: the stats page (`stats uri`) and the exporter (`use-service`). */
  local?: (req: http.IncomingMessage, res: http.ServerResponse) => string | undefined;
}

// Whether request events are wanted (read once: process.env is slow to read on every request).
const SUPERVISED = process.env.SANDBOX_EVENTS === '1';

/** Connections of the whole process (actconn). */
export const process_ = { conns: 0 };

/**
 * An HTTP server for one bind address. `frontend()` is looked up at each request, so a reload can point the same
 * listening socket at the new configuration while requests in flight finish with the old one.
 */
export function createListener(frontend: () => Frontend | undefined): http.Server {
  const served = new WeakSet<Socket>();
  const busy = new WeakSet<Socket>();
  const acceptedAt = new WeakMap<Socket, number>();
  // Node's own request timers are off: `timeout client` is the only client-side timer, as in HAProxy.
  const server = http.createServer({ keepAliveTimeout: 0, requestTimeout: 0, headersTimeout: 0 }, (req, res) => {
    const fe = frontend();
    if (!fe) return void res.socket?.destroy();
    busy.add(req.socket);
    res.on('close', () => {
      busy.delete(req.socket);
      served.add(req.socket);
    });
    handle(fe, req, res);
  });

  server.on('connection', (socket: Socket) => {
    const fe = frontend();
    acceptedAt.set(socket, Date.now());
    process_.conns++;
    if (fe) {
      fe.conns++;
      fe.counters.stot++;
      socket.setTimeout(fe.config.timeouts.client ?? 0);
    }
    socket.on('close', () => {
      process_.conns--;
      if (fe) fe.conns--;
    });
  });

  server.on('timeout', (socket: Socket) => {
    if (busy.has(socket)) return; // waiting for the server: its own timeout applies
    const fe = frontend();
    // A connection that has not sent a complete request gets the 408 page; an idle kept-alive one is just closed.
    if (!served.has(socket) && fe) {
      socket.end(errorPages[408].bytes);
      account(fe, socket, {
        status: 408,
        termination: 'cR--',
        waited: Date.now() - (acceptedAt.get(socket) ?? Date.now()),
      });
    } else socket.destroy();
  });

  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    const fe = frontend();
    if (error.code === 'ECONNRESET' || !socket.writable || !fe) return void socket.destroy();
    socket.end(errorPages[400].bytes);
    fe.counters.hrsp[3]++;
    account(fe, socket, { status: 400, termination: 'PR--', waited: 0 });
  });
  return server;
}

/** "203.0.113.10:41234"; an IPv4 client of a dual-stack socket shows as IPv4, as in HAProxy's logs. */
const address = (socket: Socket) => `${(socket.remoteAddress ?? '').replace(/^::ffff:/, '')}:${socket.remotePort}`;

/**
 * Logs a request the balancer refused before reading it (400, 408) as HAProxy 2.6 does: `<BADREQ>`, `<NOSRV>`,
 * 0 bytes (the page is written below the HTTP layer that counts), and the time waited for the request as Ta.
 */
function account(fe: Frontend, socket: Socket, outcome: { status: number; termination: string; waited: number }): void {
  const event: BalancerRequestEvent = {
    type: 'balancer.request',
    client: address(socket),
    frontend: fe.config.name,
    backend: fe.config.name,
    server: null,
    method: '',
    path: '',
    status: outcome.status,
    bytes: 0,
    timings: { TR: -1, Tw: -1, Tc: -1, Tr: -1, Ta: outcome.waited },
    termination: outcome.termination,
    retries: 0,
    redispatched: false,
  };
  write(fe, event, Date.now(), '1.1', 0, 0);
}

function handle(fe: Frontend, req: http.IncomingMessage, res: http.ServerResponse): void {
  const started = Date.now();
  const bytesBefore = req.socket.bytesWritten;
  fe.counters.bin += Number(req.headers['content-length'] ?? 0);
  // `http-request` rules first, as HAProxy evaluates them before anything else (track-sc0, deny, redirect).
  const verdict = fe.requestRules?.(req);
  const local = verdict ? undefined : fe.local?.(req, res);
  if (local !== undefined) {
    res.on('finish', () => {
      const event = requestEvent(
        fe,
        req,
        fe.config.name,
        local,
        res.statusCode,
        req.socket.bytesWritten - bytesBefore,
        'LR--',
      );
      event.timings = { TR: 0, Tw: -1, Tc: -1, Tr: -1, Ta: Date.now() - started };
      write(fe, event, started, req.httpVersion, 0, 0);
    });
    return;
  }
  const backend = verdict ? undefined : fe.backend;
  const x: Exchange = {
    req,
    res,
    backend: backend!, // only the proxy path reads it, and only with a backend
    started,
    retries: 0,
    redispatched: false,
    Tw: 0,
    Tc: -1,
    Tr: -1,
    done: false,
    bodyless: true,
    decorate: (headers, fromServer) => Object.assign(x.setHeaders, fe.headerRules?.(req, headers, fromServer)),
    setHeaders: {},
    finish: (x, outcome) => {
      const ta = Date.now() - started;
      const bytes = req.socket.bytesWritten - bytesBefore;
      const server = x.server;
      if (backend) backend.active--;
      for (const counters of [fe.counters, backend?.counters, server?.counters]) {
        if (!counters) continue;
        counters.response(outcome.status, bytes, ta);
        if (outcome.termination.startsWith('C')) counters.cliAbrt++;
      }
      if (backend) backend.counters.stot++;
      if (server) server.counters.stot++;
      backend?.queue.shift()?.(); // a slot is free: the oldest waiting request may go
      if (!SUPERVISED && !fe.config.log) return;
      const event = requestEvent(
        fe,
        req,
        backend?.name ?? fe.config.name,
        server?.name ?? null,
        outcome.status,
        bytes,
        outcome.termination,
      );
      event.timings = { TR: 0, Tw: x.Tw, Tc: x.Tc, Tr: x.Tr, Ta: ta };
      event.retries = x.retries;
      event.redispatched = x.redispatched;
      if (Object.keys(x.setHeaders).length) event.setHeaders = x.setHeaders;
      write(fe, event, started, req.httpVersion, backend?.active ?? 0, server?.served ?? 0, backend?.queue.length ?? 0);
    },
  };
  if (!backend) {
    // Denied by a rule (`PR--`, 403 unless deny_status says otherwise), redirected (`LR--`: HAProxy answered
    // locally), or no default_backend (503): HAProxy answers itself and logs the frontend as the backend,
    // `fe_web/<NOSRV>`.
    x.Tw = -1;
    if (verdict?.action === 'redirect') {
      x.setHeaders.location = verdict.page.headers.find(([name]) => name === 'location')![1];
      return answer(x, verdict.page, 'LR--');
    }
    if (verdict) fe.denied++;
    return answer(x, errorPages[verdict?.status ?? 503], verdict ? 'PR--' : 'SC--');
  }
  backend.active++;
  forward(x, backend.config.forwardfor);
}

function requestEvent(
  fe: Frontend,
  req: http.IncomingMessage,
  backend: string,
  server: string | null,
  status: number,
  bytes: number,
  termination: string,
): BalancerRequestEvent {
  return {
    type: 'balancer.request',
    client: address(req.socket),
    frontend: fe.config.name,
    backend,
    server,
    method: req.method ?? '',
    path: req.url ?? '',
    status,
    bytes,
    timings: { TR: 0, Tw: -1, Tc: -1, Tr: -1, Ta: 0 },
    termination,
    retries: 0,
    redispatched: false,
    ...(isTls(req) ? { tls: true } : {}),
  };
}

function write(
  fe: Frontend,
  event: BalancerRequestEvent,
  acceptedAt: number,
  httpVersion: string,
  beconn: number,
  srvConn: number,
  beQueue = 0,
): void {
  report(event);
  if (!fe.config.log) return;
  const line = httplogLine(
    event,
    { actconn: process_.conns, feconn: fe.conns, beconn, srvConn, srvQueue: 0, beQueue, httpVersion, acceptedAt },
    fe.config.httplog,
  );
  log(line);
}
