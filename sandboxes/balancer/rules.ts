// The `http-request` and `http-response` rules of a frontend at work (parsed in config-rules.ts).
//
// Request rules run in order on each request before anything else, as HAProxy evaluates them: `track-sc0 src`
// counts the request in the stick table (ratelimit.ts), the first `deny` or `redirect` whose condition holds
// answers the request itself. Header rules run on the answer on its way out: `http-response` ones on a server's
// answer, `http-after-response` ones on every answer, HAProxy's own pages and redirects included.
import type http from 'node:http';
import type { Condition, HeaderRule, HttpRequestRule } from './config';
import { redirectPage, type DenyStatus, type ErrorPage } from './errors';
import { sourceOf, type StickTable } from './ratelimit';

/** What a request rule decided: refuse with a status, or answer with a redirect. */
export type Verdict = { action: 'deny'; status: DenyStatus } | { action: 'redirect'; page: ErrorPage };

/** `ssl_fc`: the connection came in through a `bind ... ssl` (the TLS model marks its streams `encrypted`). */
export const isTls = (req: http.IncomingMessage) => (req.socket as { encrypted?: boolean }).encrypted === true;

/** Builds the function a frontend runs on each request; undefined lets the request through to the backend. */
export function requestRules(
  rules: HttpRequestRule[],
  tables: Map<string, StickTable>,
): ((req: http.IncomingMessage) => Verdict | undefined) | undefined {
  if (rules.length === 0) return undefined;
  return (req) => {
    const src = sourceOf(req);
    // The entries this request tracks, by sticky counter number (sc0, sc1, sc2), and their rates.
    const rates: (number | undefined)[] = [];
    for (const rule of rules) {
      if (rule.action === 'track') {
        const table = tables.get(rule.table);
        if (table && rates[rule.counter] === undefined) rates[rule.counter] = table.track(src);
      } else if (!rule.condition || holds(rule.condition, req, rates)) {
        if (rule.action === 'deny') return { action: 'deny', status: rule.status };
        // `redirect scheme` keeps the Host header (port included) and the path with its query string.
        return {
          action: 'redirect',
          page: redirectPage(rule.code, `${rule.scheme}://${req.headers.host ?? ''}${req.url ?? '/'}`),
        };
      }
    }
    return undefined;
  };
}

/**
 * Builds the function that applies the header rules to an answer's headers (names in lower case, as HAProxy sends
 * them) and returns what it set. `fromServer` is false for the answers HAProxy writes itself.
 */
export function headerRules(
  rules: HeaderRule[],
):
  | ((req: http.IncomingMessage, headers: http.OutgoingHttpHeaders, fromServer: boolean) => Record<string, string>)
  | undefined {
  if (rules.length === 0) return undefined;
  return (req, headers, fromServer) => {
    const set: Record<string, string> = {};
    for (const rule of rules) {
      if (rule.phase === 'http-response' && !fromServer) continue;
      if (rule.condition && !holds(rule.condition, req, [])) continue;
      const name = rule.name.toLowerCase();
      const before = headers[name];
      // set-header replaces every occurrence (the header moves to the end); add-header appends one more.
      delete headers[name];
      headers[name] =
        rule.action === 'add-header' && before !== undefined ? [before, rule.value].flat().map(String) : rule.value;
      set[name] = rule.value;
    }
    return set;
  };
}

function holds(c: Condition, req: http.IncomingMessage, rates: (number | undefined)[]): boolean {
  const path = (req.url ?? '/').split('?')[0];
  let result: boolean;
  switch (c.fetch) {
    case 'sc_http_req_rate': {
      const rate = rates[c.counter] ?? 0;
      result = {
        gt: rate > c.value,
        ge: rate >= c.value,
        lt: rate < c.value,
        le: rate <= c.value,
        eq: rate === c.value,
      }[c.op];
      break;
    }
    case 'ssl_fc':
      result = isTls(req);
      break;
    case 'path':
      result = c.values.includes(path);
      break;
    case 'path_beg':
      result = c.values.some((v) => path.startsWith(v));
      break;
    case 'src':
      result = c.values.some((v) => inNetwork(sourceOf(req), v));
      break;
  }
  return c.negate ? !result : result;
}

/** `10.0.0.0/8`-style match of an IPv4 address (a bare address matches itself). */
function inNetwork(ip: string, network: string): boolean {
  const [base, bits = '32'] = network.split('/');
  const number = (a: string) => a.split('.').reduce((n, part) => n * 256 + Number(part), 0);
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip) || !/^\d+\.\d+\.\d+\.\d+$/.test(base)) return ip === base;
  const size = 2 ** (32 - Number(bits));
  return Math.floor(number(ip) / size) === Math.floor(number(base) / size);
}
