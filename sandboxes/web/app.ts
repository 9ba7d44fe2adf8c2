// The web server's request path: find the route, apply the current behaviour (frozen, slow, flaky), wait for a
// worker (capacity.ts), answer, and count the request in the metrics and the event stream.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { log, report } from '../shared/report';
import type { Behaviour } from './behaviour';
import type { Capacity, WorkerPool } from './capacity';
import { findRoute } from './routes/index';
import { send, type Route, type WebContext } from './routes/route';

// The global timer, not node:timers/promises: a frozen node holds its timers (../shared/freeze.ts), so a slow answer
// due while the node is frozen is sent only once it resumes.
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createApp(context: WebContext, behaviour: () => Behaviour, pool: WorkerPool): RequestListener {
  return async (req, res) => {
    const started = performance.now();
    const now = behaviour();
    // A hung app: the request was read, the answer never comes (the client's or the balancer's timeout ends it).
    // Metrics hang as well: a scrape of a frozen server times out, as with a real hung process.
    if (now.frozen) return;
    res.setHeader('X-Served-By', context.name);
    const timing = { wait_ms: 0 };
    res.on('finish', () => done(context, req, res, started, timing.wait_ms));

    const route = findRoute(req.method ?? 'GET', req.url ?? '/');
    // Only the app's own pages take a worker: /health and /metrics are answered beside the pool, as a static health
    // file served in front of PHP-FPM would be, so a saturated server still passes its checks (README.md).
    if (!route?.app) {
      if (route?.path !== '/metrics' && now.slow_ms > 0) await sleep(now.slow_ms);
      return answer(route, req, res, context, now);
    }
    const place = pool.admit();
    if (!place) return refuse(res, context.name, behaviour());
    // A client that gives up while its request waits takes it out of the queue: no worker is spent on it.
    let gone = false;
    const leave = () => ((gone = true), place.cancel());
    res.once('close', leave);
    await place.turn;
    res.off('close', leave);
    timing.wait_ms = Math.round(performance.now() - started);
    try {
      if (gone) return;
      // The worker is held for the request's work (and a slow server's extra time), as a PHP worker is until its
      // script ends, even if the client has gone meanwhile.
      const work = now.slow_ms + behaviour().service_ms;
      if (work > 0) await sleep(work);
      await answer(route, req, res, context, now);
    } finally {
      pool.release();
    }
  };
}

async function answer(
  route: Route | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  context: WebContext,
  now: Behaviour,
): Promise<void> {
  if (!route) return send(res, 404, 'text/plain', `Not Found: ${req.url}\n`);
  if (route.app && Math.random() < now.flaky)
    return send(res, 500, 'text/plain', `Internal Server Error (${context.name} is flaky)\n`);
  try {
    await route.handle(req, res, context);
  } catch (error) {
    log(`${context.name}: ${req.method} ${req.url} failed: ${(error as Error).message}`, 'error');
    if (!res.headersSent) send(res, 500, 'text/plain', 'Internal Server Error\n');
    else res.destroy();
  }
}

/**
 * Every worker busy and the backlog full: 503 at once, the status RFC 9110 (15.6.4) gives a server "currently unable
 * to handle the request due to a temporary overload", with Retry-After as it suggests. A real server's kernel would
 * instead drop the connection attempt and leave the client to retry it (README.md, "Where this differs").
 */
function refuse(res: ServerResponse, name: string, { workers, backlog }: Capacity): void {
  res.setHeader('Retry-After', '1');
  send(
    res,
    503,
    'text/plain',
    `Service Unavailable: ${name} is overloaded (all ${workers} workers busy, backlog of ${backlog} full); try again later\n`,
  );
}

function done(context: WebContext, req: IncomingMessage, res: ServerResponse, started: number, wait_ms: number): void {
  const seconds = (performance.now() - started) / 1000;
  const method = req.method ?? 'GET';
  context.metrics.observe(method, res.statusCode, seconds);
  const client = req.socket.remoteAddress ?? '-';
  report({
    type: 'web.request',
    method,
    path: (req.url ?? '/').split('?')[0],
    status: res.statusCode,
    duration_ms: Math.round(seconds * 1000),
    wait_ms,
    client,
  });
  // The access log a learner sees when running web.js by hand (under the supervisor the event above says it all),
  // in the combined log format nginx and Apache write.
  if (process.env.SANDBOX_EVENTS !== '1') {
    log(
      `${client} - - [${clfDate(new Date())}] "${method} ${req.url} HTTP/${req.httpVersion}" ${res.statusCode} ${res.getHeader('Content-Length') ?? '-'} "-" "${req.headers['user-agent'] ?? '-'}"`,
    );
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** 25/Nov/2026:14:22:01 +0000, the date of the common log format. */
function clfDate(d: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}
