// The `http-request` and `http-response` rules and the stick table of a frontend, as haproxy.cfg writes them: the
// prometheus exporter (`use-service`), rate limiting (`track-sc0 src`, `deny ... if { sc_http_req_rate(0) gt 20 }`),
// the redirect to HTTPS (`redirect scheme https code 301 unless { ssl_fc }`), response headers such as HSTS
// (`http-response set-header Strict-Transport-Security "max-age=63072000"`) and the table.
// Part of the config parser (config.ts); the rules run in ratelimit.ts and headers.ts.
import {
  parseTime,
  type Condition,
  type Context,
  type HeaderRule,
  type ProxyConfig,
  type RedirectCode,
  type StickTableConfig,
} from './config';
import { closest } from '../shared/suggest';
import { errorPages, type DenyStatus } from './errors';

/** `frontend 'fe_web'`, `proxy 'www'` (a listen section), as HAProxy names a proxy in its messages. */
const proxyName = (proxy: ProxyConfig) => `${proxy.kind === 'listen' ? 'proxy' : proxy.kind} '${proxy.name}'`;

/** HAProxy's alert for a rule it could not parse: `error detected in frontend 'fe_web' while parsing '<rule>' rule : ...`. */
const ruleError = (proxy: ProxyConfig, rule: string, ctx: Context) => (text: string) =>
  ctx.alert(`error detected in ${proxyName(proxy)} while parsing '${rule}' rule : ${text}`);

export function parseHttpRequest(args: string[], proxy: ProxyConfig, ctx: Context): void {
  const rule = args.slice(1).join(' ');
  // The exporter as real configs enable it: `http-request use-service prometheus-exporter if { path /metrics }`.
  const exporter = /^use-service prometheus-exporter(?: if \{ path (\S+) \})?$/.exec(rule);
  if (exporter) {
    proxy.metricsPath = exporter[1] ?? '/metrics';
    if (!exporter[1])
      ctx.warn(
        `'http-request use-service prometheus-exporter' without a condition: the sandbox serves it on /metrics only.`,
      );
    return;
  }
  const track = /^track-sc([012])$/.exec(args[1] ?? '');
  if (track) {
    if (args[2] !== 'src') return ctx.unsupported(`'http-request ${args[1]} ${args[2] ?? ''}' (only 'src' is tracked)`);
    const table = args[3] === 'table' && args[4] ? args[4] : proxy.name;
    return void proxy.rules.push({ action: 'track', counter: Number(track[1]), table, line: ctx.line });
  }
  if (args[1] === 'deny') {
    let i = 2;
    let status: DenyStatus = 403; // "By default an HTTP 403 error is returned"
    if (args[i] === 'deny_status') {
      const code = Number(args[i + 1]);
      if (!(code in errorPages))
        return ctx.alert(
          `'http-request deny': status code ${args[i + 1] ?? ''} not handled by this sandbox (use one of ${Object.keys(errorPages).join(', ')}).`,
        );
      status = code as DenyStatus;
      i += 2;
    }
    if (i === args.length) return void proxy.rules.push({ action: 'deny', status });
    const condition = parseCondition(args.slice(i), ctx, ruleError(proxy, 'http-request deny', ctx));
    if (condition) proxy.rules.push({ action: 'deny', status, condition });
    return;
  }
  if (args[1] === 'redirect') return parseRedirect(args.slice(2), proxy, ctx);
  const actions = [
    'add-header',
    'allow',
    'auth',
    'deny',
    'redirect',
    'set-header',
    'del-header',
    'set-path',
    'replace-path',
    'track-sc0',
    'track-sc1',
    'track-sc2',
    'tarpit',
    'return',
    'use-service',
    'set-var',
    'capture',
    'set-log-level',
    'replace-header',
    'set-uri',
    'set-query',
    'set-method',
    'reject',
    'silent-drop',
    'wait-for-body',
    'lua',
    'cache-use',
  ];
  if (!actions.includes(args[1] ?? ''))
    return ctx.alert(
      `'http-request' expects one of ${actions
        .slice(0, 8)
        .map((a) => `'${a}'`)
        .join(', ')}, ... but got '${args[1] ?? ''}'.`,
    );
  ctx.unsupported(`'http-request ${args[1]}'`);
}

const REDIRECT_CODES = [301, 302, 303, 307, 308];

/** `http-request redirect scheme https [code 301] [if|unless { ssl_fc }]`: HAProxy's redirect options, in any order. */
function parseRedirect(args: string[], proxy: ProxyConfig, ctx: Context): void {
  const error = ruleError(proxy, 'http-request redirect', ctx);
  let scheme: string | undefined;
  let code: RedirectCode = 302; // "with 302 used by default"
  let i = 0;
  for (; i < args.length && args[i] !== 'if' && args[i] !== 'unless'; i++) {
    const option = args[i];
    if (['code', 'scheme', 'location', 'prefix', 'set-cookie', 'clear-cookie'].includes(option)) {
      const value = args[++i];
      if (value === undefined) return error(`missing argument for '${option}'.`);
      if (option === 'scheme') scheme = value;
      else if (option === 'code') {
        if (!REDIRECT_CODES.includes(Number(value)))
          return error(`'code': unsupported HTTP code '${value}' (must be one of 301, 302, 303, 307 or 308).`);
        code = Number(value) as RedirectCode;
      } else ctx.unsupported(`'http-request redirect ${option}' (only 'redirect scheme' is), so the rule`);
    } else if (['drop-query', 'append-slash', 'ignore-empty'].includes(option)) {
      ctx.unsupported(`'http-request redirect ... ${option}'`);
    } else {
      return error(
        `expects 'code', 'prefix', 'location', 'scheme', 'set-cookie', 'clear-cookie', 'drop-query', 'ignore-empty' or 'append-slash' (was '${option}').`,
      );
    }
  }
  if (!args.slice(0, i).some((a) => ['scheme', 'location', 'prefix'].includes(a)))
    return error(`redirection type expected ('prefix', 'location', or 'scheme').`);
  if (!scheme) return; // location/prefix: warned about above
  if (i === args.length) return void proxy.rules.push({ action: 'redirect', scheme, code });
  const condition = parseCondition(args.slice(i), ctx, error);
  if (condition) proxy.rules.push({ action: 'redirect', scheme, code, condition });
}

// The answers HAProxy has for `http-response` and `http-after-response` (2.6), in the order its alert lists them.
const RESPONSE_ACTIONS = {
  'http-response': [
    'ot-group',
    'set-log-level',
    'set-nice',
    'sc-inc-gpc(*)',
    'sc-inc-gpc0(*)',
    'sc-inc-gpc1(*)',
    'sc-set-gpt(*)',
    'sc-set-gpt0(*)',
    'send-spoe-group',
    'cache-store',
    'add-acl(*)',
    'add-header',
    'allow',
    'capture',
    'del-acl(*)',
    'del-header',
    'del-map(*)',
    'deny',
    'redirect',
    'replace-header',
    'replace-value',
    'return',
    'set-header',
    'set-map(*)',
    'set-status',
    'strict-mode',
    'track-sc(*)',
    'wait-for-body',
    'set-var-fmt(*)',
    'set-var(*)',
    'unset-var(*)',
    'set-mark',
    'set-tos',
    'silent-drop',
  ],
  'http-after-response': [
    'ot-group',
    'add-header',
    'allow',
    'capture',
    'del-header',
    'replace-header',
    'replace-value',
    'set-header',
    'set-status',
    'strict-mode',
    'set-var-fmt(*)',
    'set-var(*)',
    'unset-var(*)',
  ],
};

/** `http-response set-header <name> <value> [if|unless { ... }]`, the same for `add-header` and `http-after-response`. */
export function parseHeaderRule(args: string[], proxy: ProxyConfig, ctx: Context): void {
  const phase = args[0] as HeaderRule['phase'];
  const action = args[1] ?? '';
  const known = RESPONSE_ACTIONS[phase];
  const named = (a: string) => known.some((k) => k === a || (k.endsWith('(*)') && a.startsWith(k.slice(0, -2))));
  if (!named(action)) {
    const [best] = closest(action, known);
    const got = action ? `'${action}'.${best ? ` Did you mean '${best}' maybe ?` : ''}` : `'' (missing argument).`;
    return ctx.raw(
      `parsing [${ctx.file}:${ctx.line}]: '${phase}' expects ${known.map((k) => `'${k}'`).join(', ')}, but got ${got}`,
    );
  }
  if (action !== 'set-header' && action !== 'add-header') return ctx.unsupported(`'${phase} ${action}'`);
  const [name, value, word] = args.slice(2);
  if (value === undefined) return ruleError(proxy, `${phase} ${action}`, ctx)('expects exactly 2 arguments.');
  if (word !== undefined && word !== 'if' && word !== 'unless') {
    return ctx.raw(
      `parsing [${ctx.file}:${ctx.line}]: '${phase} ${action}' expects either 'if' or 'unless' followed by a condition but found '${word}'.`,
    );
  }
  const rule: HeaderRule = { phase, action, name, value };
  if (word === undefined) return void proxy.headerRules.push(rule);
  const condition = parseCondition(args.slice(4), ctx, ruleError(proxy, `${phase} ${action}`, ctx));
  if (condition) proxy.headerRules.push({ ...rule, condition });
}

// The fetches a condition can test here; a bare name of one of them is a forgotten pair of braces.
const FETCHES = ['ssl_fc', 'path', 'path_beg', 'src', 'sc_http_req_rate'];

/** `sc_http_req_rate` of `sc_http_req_rate(0)`: the word up to its first parenthesis. */
function fetchName(word: string): string {
  const open = word.indexOf('(');
  return open < 0 ? word : word.slice(0, open);
}

/**
 * `if { sc_http_req_rate(0) gt 20 }`, `unless { ssl_fc }`, `if !{ ssl_fc }`, `unless { src 10.0.0.0/8 }`,
 * `if { path_beg /admin }`. `error` raises HAProxy's alert for the rule the condition belongs to.
 */
function parseCondition(args: string[], ctx: Context, error: (text: string) => void): Condition | undefined {
  const [word, open, fetch, ...rest] = args;
  if ((open === '{' || open === '!{') && !rest.includes('}')) {
    error(`error in condition: missing closing '}' in condition.`);
    return undefined;
  }
  if (open !== undefined && FETCHES.includes(fetchName(open))) {
    error(`error in condition: no such ACL : '${open}'.`);
    return undefined;
  }
  if ((word !== 'if' && word !== 'unless') || (open !== '{' && open !== '!{') || rest.at(-1) !== '}') {
    ctx.unsupported(
      `the condition '${args.join(' ')}' (only anonymous ACLs such as 'if { sc_http_req_rate(0) gt 20 }' are), so the rule`,
    );
    return undefined;
  }
  // `unless { x }` and `if !{ x }` both hold when x does not.
  const negate = (word === 'unless') !== (open === '!{');
  const values = rest.slice(0, -1);
  const rate = /^(?:sc_http_req_rate\(([012])\)|sc([012])_http_req_rate(?:\(\))?)$/.exec(fetch ?? '');
  if (rate) {
    const [op, value] = values;
    if (!['gt', 'ge', 'lt', 'le', 'eq'].includes(op ?? '') || !/^\d+$/.test(value ?? '')) {
      ctx.alert(`'${fetch}' expects an operator (gt, ge, lt, le, eq) and an integer, as in '${fetch} gt 20'.`);
      return undefined;
    }
    return {
      negate,
      fetch: 'sc_http_req_rate',
      counter: Number(rate[1] ?? rate[2]),
      op: op as 'gt',
      value: Number(value),
    };
  }
  if (fetch === 'ssl_fc') return { negate, fetch };
  if (fetch === 'path' || fetch === 'path_beg' || fetch === 'src') return { negate, fetch, values };
  ctx.unsupported(
    `the fetch '${fetch ?? ''}' in a condition (the sandbox knows ssl_fc, sc_http_req_rate, path, path_beg and src), so the rule`,
  );
  return undefined;
}

/** `stick-table type ip size 100k expire 30s store http_req_rate(10s)` */
export function parseStickTable(args: string[], proxy: ProxyConfig, ctx: Context): void {
  const option = (name: string) => {
    const at = args.indexOf(name);
    return at > 0 ? args[at + 1] : undefined;
  };
  const type = option('type');
  if (!type) return ctx.alert(`stick-table: missing type.`);
  if (type !== 'ip') return ctx.unsupported(`'stick-table type ${type}' (only 'type ip' is), so the table`);
  const size = /^(\d+)([kmg]?)$/i.exec(option('size') ?? '');
  if (!size) return ctx.alert(`stick-table: missing size.`);
  const expire = parseTime(option('expire') ?? '');
  if (typeof expire !== 'number') return ctx.alert(`stick-table: missing or invalid expire value.`);
  const table: StickTableConfig = {
    type: 'ip',
    size: Number(size[1]) * { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[size[2].toLowerCase() as ''],
    expire,
  };
  for (const stored of (option('store') ?? '').split(',').filter(Boolean)) {
    const rate = /^http_req_rate\((\w+)\)$/.exec(stored);
    const period = rate && parseTime(rate[1]);
    if (typeof period === 'number') table.period = period;
    else ctx.unsupported(`'store ${stored}'`);
  }
  proxy.stickTable = table;
}
