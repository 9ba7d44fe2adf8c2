// HAProxy's request log line. With `option httplog` the format is (configuration manual 8.2.3):
//
//   %ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %{+Q}r
//   10.0.1.2:33317 [06/Feb/2009:12:14:14.655] fe_web be_app/app1 0/0/1/1/2 200 138 - - ---- 1/1/0/0/0 0/0 "GET / HTTP/1.1"
//
// Without it, HAProxy's default format is shorter (no HTTP fields); the sandbox writes that one then.
import type { BalancerRequestEvent } from '../contracts/events/balancer';

/** What the line needs beyond the request event: the connection counts at the time of logging. */
export interface LogContext {
  /** Connections of the whole process, of the frontend, of the backend, of the server (%ac/%fc/%bc/%sc). */
  actconn: number;
  feconn: number;
  beconn: number;
  srvConn: number;
  /** Requests waiting in the server's and the backend's queue (%sq/%bq). */
  srvQueue: number;
  beQueue: number;
  httpVersion: string;
  acceptedAt: number;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** `06/Feb/2009:12:14:14.655`, local time, as %tr. */
export function logDate(ms: number): string {
  const d = new Date(ms);
  return `${two(d.getDate())}/${MONTHS[d.getMonth()]}/${d.getFullYear()}:${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

export function httplogLine(e: BalancerRequestEvent, c: LogContext, httplog: boolean): string {
  const t = e.timings;
  const retries = `${e.redispatched ? '+' : ''}${e.retries}`;
  // A TLS connection's frontend is written `fe_web~` (%ft).
  const head = `${e.client} [${logDate(c.acceptedAt)}] ${e.frontend}${e.tls ? '~' : ''} ${e.backend}/${e.server ?? '<NOSRV>'}`;
  const conns = `${c.actconn}/${c.feconn}/${c.beconn}/${c.srvConn}/${retries} ${c.srvQueue}/${c.beQueue}`;
  if (!httplog) {
    // The default (tcplog-like) format: %Tw/%Tc/%Tt %B %ts
    return `${head} ${t.Tw}/${t.Tc}/${t.Ta} ${e.bytes} ${e.termination.slice(0, 2)} ${conns}`;
  }
  const request = e.method ? `${e.method} ${e.path} HTTP/${c.httpVersion}` : '<BADREQ>';
  return `${head} ${t.TR}/${t.Tw}/${t.Tc}/${t.Tr}/${t.Ta} ${e.status} ${e.bytes} - - ${e.termination} ${conns} "${request}"`;
}
