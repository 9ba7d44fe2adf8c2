// `load`: open-loop traffic, like wrk2 or vegeta: requests leave at the set rate whether or not earlier ones have
// been answered, which is how real users behave (they do not wait for each other) and why a slow server piles up
// work instead of quietly slowing the test down.
import type { Command, CommandIO } from '../command';
import type { Certificate } from '../../network/tls/pki';
import { CurlError, exchange, header, loadTls } from '../http-client';
import { finalSummary, liveLine, LoadStats } from '../load-stats';
import { reportClients } from '../client-report';
import { resolveEntries, trustedCertificates } from '../trust';
import { query } from '../dns';
import { parseUrl, resolveHost, type Target } from '../url';
import { waitForSandbox } from '../wait';
import { durationMs } from '../../shared/duration';

const LIVE_EVERY_MS = 250;

interface Plan {
  rate: number;
  durationMs: number;
  timeoutMs: number;
  target: Target;
  /** The address for the next request: a name is asked of DNS again each time, as separate clients would ask it. */
  nextHost(): string;
  /** For https: the name the certificate must carry and the certificates trusted (the sandbox's ca.pem), as curl. */
  tls?: { servername: string; trusted: Certificate[] };
}

/** "10", "10s", "500ms", "2m" → milliseconds (a bare number is seconds, as for `-d`). */
const parseDuration = (text: string) => durationMs(text, 's');

async function parsePlan(args: string[], folder: string): Promise<Plan | string> {
  const resolve: string[] = [];
  let rate = 10;
  let durationMs = 10_000;
  let timeoutMs = 10_000;
  let url = 'http://10.0.0.2/';
  for (let i = 0; i < args.length; i++) {
    const [flag, value] = [args[i], args[i + 1]];
    if (flag === '-r' || flag === '--rate') {
      rate = Number(value);
      if (!(rate > 0 && rate <= 1000)) return `-r wants requests per second from 1 to 1000, not '${value ?? ''}'`;
      i++;
    } else if (flag === '-d' || flag === '--duration' || flag === '-t' || flag === '--timeout') {
      const ms = value === undefined ? undefined : parseDuration(value);
      if (ms === undefined || ms <= 0 || ms > 600_000)
        return `${flag} wants a duration such as 10s, 500ms or 1m (at most 10m), not '${value ?? ''}'`;
      if (flag.startsWith('-d') || flag === '--duration') durationMs = ms;
      else timeoutMs = ms;
      i++;
    } else if (flag === '--resolve') {
      resolve.push(value ?? '');
      i++;
    } else if (flag.startsWith('-')) {
      return `unknown option '${flag}'`;
    } else url = flag;
  }
  const entries = resolveEntries(resolve);
  if ('bad' in entries)
    return `--resolve wants NAME:PORT:ADDRESS, e.g. www.example.com:443:10.0.0.2, not '${entries.bad}'`;
  try {
    const lookup = (name: string) => query(folder, name)?.addresses;
    const target = parseUrl(url, entries.map, lookup);
    const tls = target.secure ? { servername: target.name, trusted: await trustedCertificates(folder) } : undefined;
    if (tls) await loadTls(); // before the first request's clock starts, not during it
    const nextHost = () => resolveHost(target.name, target.port, entries.map, lookup)[0];
    return { rate, durationMs, timeoutMs, target, nextHost, tls };
  } catch (error) {
    return (error as Error).message;
  }
}

/** Sends the requests on schedule; resolves with how long sending took, once every answer is in. */
async function drive(plan: Plan, io: CommandIO, stats: LoadStats): Promise<number> {
  const started = Date.now();
  const inFlight = new Set<Promise<void>>();
  const total = Math.round((plan.rate * plan.durationMs) / 1000);
  const { name, port, secure } = plan.target;
  const hostHeader = port === (secure ? 443 : 80) ? name : `${name}:${port}`;
  const fire = () => {
    const sentAt = performance.now();
    stats.sent++;
    const request = exchange({
      method: 'GET',
      ...plan.target,
      host: plan.nextHost(),
      headers: [
        ['Host', hostHeader],
        ['User-Agent', 'load/1.0 (sandbox)'],
        ['Accept', '*/*'],
      ],
      connectTimeoutMs: plan.timeoutMs,
      maxTimeMs: plan.timeoutMs,
      signal: io.signal,
      tls: plan.tls,
    }).then(
      (response) =>
        stats.record({
          answered: true,
          status: response.status,
          servedBy: header(response.headers, 'x-served-by'),
          ms: performance.now() - sentAt,
        }),
      (error) => {
        if (io.signal.aborted) return; // cancelled by Ctrl-C: neither answered nor failed
        stats.record({ answered: false, kind: error instanceof CurlError ? error.kind : 'error' });
      },
    );
    inFlight.add(request);
    void request.finally(() => inFlight.delete(request));
  };
  // Request n is due at n/rate seconds after the start; a late timer sends the ones it missed at once.
  while (stats.sent < total && !io.signal.aborted) {
    const due = started + (stats.sent * 1000) / plan.rate;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait, io.signal);
    else fire();
  }
  // The test lasts its full duration: the last request owns the last 1/rate of it.
  const end = started + (total * 1000) / plan.rate;
  if (!io.signal.aborted && end > Date.now()) await sleep(end - Date.now(), io.signal);
  const sendingSeconds = (Date.now() - started) / 1000;
  await Promise.all(inFlight);
  return sendingSeconds;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

export const load: Command = {
  name: 'load',
  summary: 'send steady traffic',
  usage: `load [-r RATE] [-d DURATION] [-t TIMEOUT] [--resolve NAME:PORT:ADDRESS] [URL]
  -r RATE       requests per second (default 10), sent on schedule even if answers are slow (open loop)
  -d DURATION   how long to send, e.g. 10s, 500ms, 1m (default 10s)
  -t TIMEOUT    give up on one request after this long (default 10s)
  --resolve     as curl's: reach NAME at ADDRESS, for https (the certificate names www.example.com, not an address)
  URL           default http://10.0.0.2/ (the balancer); a name (http://www.example.com/) is asked of the
                sandbox's DNS for every request, as many separate clients would ask it
A live line shows requests sent, answers per server (X-Served-By), errors by kind and latency p50/p95/p99;
a summary follows at the end. Ctrl-C stops early. Example: load -r 50 -d 20s, then infra kill web-01 in between.`,
  async run(args, io) {
    const plan = await parsePlan(args, io.session.folder);
    if (typeof plan === 'string') {
      io.err(`load: ${plan}. Type 'help load' for the options.\n`);
      return 2;
    }
    await waitForSandbox(io);
    const stats = new LoadStats();
    const started = Date.now();
    const seconds = () => (Date.now() - started) / 1000;
    // The live line is redrawn in place (\r, erase line) and cut to the terminal's width so it never wraps.
    const live = io.interactive
      ? setInterval(() => io.out(`\r\x1b[K${liveLine(stats, seconds()).slice(0, io.columns - 1)}`), LIVE_EVERY_MS)
      : undefined;
    const stopReporting = reportClients(io, plan.target, stats);
    let sendingSeconds: number;
    try {
      sendingSeconds = await drive(plan, io, stats);
    } finally {
      clearInterval(live);
      await stopReporting();
    }
    if (io.interactive) io.out('\r\x1b[K');
    io.out(finalSummary(stats, sendingSeconds, io.signal.aborted) + '\n');
    return stats.failed ? 1 : 0;
  },
  complete: (args) => (args[args.length - 1].startsWith('-') ? ['-r', '-d', '-t', '--resolve'] : []),
};
