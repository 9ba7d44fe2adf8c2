// The proxy path: how one request reaches a server, and what the client gets when it cannot.
//
//   1. The backend's algorithm picks a server (picker.ts). None usable: HAProxy's 503 page, logged `<NOSRV>` `SC--`.
//      All at their maxconn: the request waits in the backend's queue (`timeout queue`, else `timeout connect`).
//   2. Connect, within `timeout connect`. A refused or timed-out connection is retried up to `retries` times (3):
//      with `option redispatch` at once on another server, else on the same one after min(timeout connect, 1 s).
//      When the retries run out: 503, `SC--` (refused) or `sC--` (timed out).
//   3. Send the request; wait for the answer's headers within `timeout server`, else 504 (`sH--`). A server that
//      closes the connection without answering gives 502 (`SH--`).
//   4. Relay the answer to the client as it comes. Log the request (httplog.ts) and report it.
import http from 'node:http';
import type { BalancerRequestEvent } from '../contracts/events/balancer';
import type { Backend, Server } from './backend';
import { errorPages, type ErrorPage } from './errors';
import { sourceOf } from './ratelimit';

/** What the proxy path needs from the frontend: where to account and log a finished request. */
export interface Exchange {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  backend: Backend;
  started: number;
  server?: Server;
  retries: number;
  redispatched: boolean;
  Tw: number;
  Tc: number;
  Tr: number;
  done: boolean;
  /** No request body: the request can be sent again as is. */
  bodyless: boolean;
  /** Applies the frontend's header rules to an answer (`fromServer` false for HAProxy's own); adds to setHeaders. */
  decorate(headers: http.OutgoingHttpHeaders, fromServer: boolean): void;
  /** The headers the rules set on this answer, for the request event. */
  setHeaders: Record<string, string>;
  /** Drops the current connection attempt (the client went away). */
  abort?: () => void;
  /** Called once, when the client has its answer (or is gone). */
  finish(x: Exchange, outcome: Pick<BalancerRequestEvent, 'status' | 'termination'>): void;
}

// `Connection` concerns one hop, not the request: HAProxy does not pass it on (other headers, even `keep-alive`,
// go through as they are, as HAProxy 2.6.12 was seen to do).
const HOP_BY_HOP = ['connection'];

const CONNECT_TIMEOUT = Object.assign(new Error('timeout connect'), { code: 'ETIMEDOUT' });
const SERVER_TIMEOUT = Object.assign(new Error('timeout server'), { code: 'ESOCKETTIMEDOUT' });

export function forward(x: Exchange, forwardfor: boolean): void {
  const headers = x.req.headers;
  for (const name of HOP_BY_HOP) delete headers[name];
  if (forwardfor) headers['x-forwarded-for'] = sourceOf(x.req);
  x.bodyless = headers['content-length'] === undefined && headers['transfer-encoding'] === undefined;
  x.res.on('close', () => clientGone(x));
  assign(x);
}

/** Step 1: pick a server, or queue, or give up with 503. */
function assign(x: Exchange, avoid?: Server): void {
  const server = x.backend.picker.pick(x.req.socket.remoteAddress ?? '', avoid) as Server | undefined;
  if (server) return attempt(x, server);
  if (!x.backend.hasServer()) {
    x.Tw = -1;
    return answer(x, errorPages[503], 'SC--');
  }
  const queuedAt = Date.now();
  const timeout = x.backend.config.timeouts.queue ?? x.backend.config.timeouts.connect;
  const resume = () => {
    clearTimeout(timer);
    x.Tw = Date.now() - queuedAt;
    if (!x.done) assign(x);
  };
  const timer = timeout
    ? setTimeout(() => {
        x.backend.queue.splice(x.backend.queue.indexOf(resume), 1);
        x.Tw = Date.now() - queuedAt;
        answer(x, errorPages[503], 'sQ--');
      }, timeout)
    : undefined;
  x.backend.queue.push(resume);
}

/** Steps 2-4 on one server. */
function attempt(x: Exchange, server: Server): void {
  const { timeouts } = x.backend.config;
  x.server = server;
  server.served++;
  server.counters.lbtot++;
  server.counters.smax = Math.max(server.counters.smax, server.served);
  const startedAt = Date.now();
  let connected = false;
  let answered = false;
  let connectTimer: NodeJS.Timeout | undefined;
  let released = false;

  const upstream = http.request({
    agent: server.agent,
    method: x.req.method,
    path: x.req.url,
    headers: x.req.headers,
    setHost: false,
  });
  x.abort = () => upstream.destroy();
  const release = () => {
    clearTimeout(connectTimer);
    if (!released) server.served--;
    released = true;
  };

  const onConnect = () => {
    connected = true;
    clearTimeout(connectTimer);
    x.Tc = Date.now() - startedAt;
    if (x.bodyless) upstream.end();
    else x.req.pipe(upstream);
  };
  upstream.on('socket', (socket) => {
    // A kept-alive connection is connected already. (One that a cut link killed while it was idle never gets
    // here: the network pool fails the request as a connection failure, see ../network/pool.ts.)
    if (upstream.reusedSocket) return onConnect();
    // On expiry, look again after the pending I/O events: on a busy machine the connection may have completed
    // while the event loop was late, and that is not a timeout.
    if (timeouts.connect)
      connectTimer = setTimeout(
        () => setImmediate(() => !connected && upstream.destroy(CONNECT_TIMEOUT)),
        timeouts.connect,
      );
    socket.once('connect', onConnect);
  });
  if (timeouts.server) upstream.setTimeout(timeouts.server, () => upstream.destroy(SERVER_TIMEOUT));

  upstream.on('response', (reply) => {
    answered = true;
    x.Tr = Date.now() - startedAt - x.Tc;
    for (const name of HOP_BY_HOP) delete reply.headers[name];
    // Send the server's headers as they are, without Node's own `connection`/`date`: HAProxy adds neither.
    x.res.removeHeader('connection');
    x.res.removeHeader('date');
    const headers: http.OutgoingHttpHeaders = { ...reply.headers };
    x.decorate(headers, true);
    x.res.writeHead(reply.statusCode ?? 502, reply.statusMessage, headers);
    reply.pipe(x.res);
    reply.on('end', release);
    x.res.on('finish', () => done(x, { status: reply.statusCode ?? 0, termination: '----' }));
  });

  upstream.on('error', (error: NodeJS.ErrnoException) => {
    if (x.done) return release();
    release();
    if (!connected) return connectionFailed(x, server, error === CONNECT_TIMEOUT ? 'sC--' : 'SC--');
    const timedOut = error === SERVER_TIMEOUT;
    if (!answered) {
      // A kept-alive connection the server had already closed: open a fresh one, as HAProxy does.
      if (upstream.reusedSocket && !timedOut && x.bodyless) return attempt(x, server);
      server.counters.eresp++;
      x.backend.counters.eresp++;
      if (!timedOut) server.counters.srvAbrt++;
      return answer(x, timedOut ? errorPages[504] : errorPages[502], timedOut ? 'sH--' : 'SH--');
    }
    // The answer was already on its way: the client gets a truncated response.
    server.counters.srvAbrt++;
    x.res.destroy();
    done(x, { status: x.res.statusCode, termination: timedOut ? 'sD--' : 'SD--' });
  });
}

/** Step 2's retry rule (src/backend.c, include/haproxy/stream.h stream_choose_redispatch). */
function connectionFailed(x: Exchange, server: Server, termination: 'SC--' | 'sC--'): void {
  const { retries, redispatch, balance, timeouts } = x.backend.config;
  if (x.retries >= retries) {
    server.counters.econ++;
    x.backend.counters.econ++;
    return answer(x, errorPages[503], termination);
  }
  x.retries++;
  const lastRetry = x.retries === retries;
  // With redispatch, a non-hash algorithm and another usable server, HAProxy redispatches at once; otherwise
  // only on the last retry.
  const another = x.backend.counts().active > 1 && balance !== 'source';
  if (redispatch && (another || lastRetry || !server.usable())) {
    x.redispatched = true;
    server.counters.wredis++;
    x.backend.counters.wredis++;
    return assign(x, server);
  }
  server.counters.wretr++;
  x.backend.counters.wretr++;
  // The turn-around timer before trying the same server again: min(timeout connect, 1s).
  setTimeout(() => !x.done && attempt(x, server), Math.min(timeouts.connect ?? 1000, 1000));
}

/** The balancer answers by itself with one of HAProxy's pages. */
export function answer(x: Exchange, page: ErrorPage, termination: string): void {
  if (x.done || x.res.headersSent) return;
  x.Tc = -1;
  x.Tr = -1;
  x.res.removeHeader('connection');
  x.res.removeHeader('date');
  const headers: http.OutgoingHttpHeaders = Object.fromEntries(page.headers);
  x.decorate(headers, false);
  x.res.writeHead(page.status, page.reason, headers);
  x.res.end(page.body);
  done(x, { status: page.status, termination });
}

function done(x: Exchange, outcome: Pick<BalancerRequestEvent, 'status' | 'termination'>): void {
  if (x.done) return;
  x.done = true;
  x.finish(x, outcome);
}

/** The client went away before its answer was complete. */
function clientGone(x: Exchange): void {
  if (x.done || x.res.writableFinished) return;
  x.abort?.();
  done(x, { status: x.res.headersSent ? x.res.statusCode : -1, termination: x.res.headersSent ? 'CD--' : 'CH--' });
}
