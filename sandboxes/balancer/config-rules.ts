// The `http-request` rules and the stick table of a frontend, as haproxy.cfg writes them: the prometheus exporter
// (`use-service`), rate limiting (`track-sc0 src`, `deny ... if { sc_http_req_rate(0) gt 20 }`) and the table.
// Part of the config parser (config.ts); the rules run in ratelimit.ts.
import { parseTime, type Condition, type Context, type ProxyConfig, type StickTableConfig } from './config';
import { errorPages, type DenyStatus } from './errors';

export function parseHttpRequest(args: string[], proxy: ProxyConfig, ctx: Context): void {
  const rule = args.slice(1).join(' ');
  // The exporter as real configs enable it: `http-request use-service prometheus-exporter if { path /metrics }`.
  const exporter = /^use-service prometheus-exporter(?: if \{ path (\S+) \})?$/.exec(rule);
  if (exporter) {
    proxy.metricsPath = exporter[1] ?? '/metrics';
    if (!exporter[1]) ctx.warn(`'http-request use-service prometheus-exporter' without a condition: the sandbox serves it on /metrics only.`);
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
      if (!(code in errorPages)) return ctx.alert(`'http-request deny': status code ${args[i + 1] ?? ''} not handled by this sandbox (use one of ${Object.keys(errorPages).join(', ')}).`);
      status = code as DenyStatus;
      i += 2;
    }
    if (i === args.length) return void proxy.rules.push({ action: 'deny', status });
    const condition = parseCondition(args.slice(i), ctx);
    if (condition) proxy.rules.push({ action: 'deny', status, condition });
    return;
  }
  const actions = ['add-header', 'allow', 'auth', 'deny', 'redirect', 'set-header', 'del-header', 'set-path', 'replace-path',
    'track-sc0', 'track-sc1', 'track-sc2', 'tarpit', 'return', 'use-service', 'set-var', 'capture', 'set-log-level',
    'replace-header', 'set-uri', 'set-query', 'set-method', 'reject', 'silent-drop', 'wait-for-body', 'lua', 'cache-use'];
  if (!actions.includes(args[1] ?? '')) return ctx.alert(`'http-request' expects one of ${actions.slice(0, 8).map((a) => `'${a}'`).join(', ')}, ... but got '${args[1] ?? ''}'.`);
  ctx.unsupported(`'http-request ${args[1]}'`);
}

/** `if { sc_http_req_rate(0) gt 20 }`, `unless { src 10.0.0.0/8 }`, `if { path_beg /admin }`. */
function parseCondition(args: string[], ctx: Context): Condition | undefined {
  const [word, open, fetch, ...rest] = args;
  if ((word !== 'if' && word !== 'unless') || open !== '{' || rest.at(-1) !== '}') {
    ctx.unsupported(`the condition '${args.join(' ')}' (only anonymous ACLs such as 'if { sc_http_req_rate(0) gt 20 }' are), so the rule`);
    return undefined;
  }
  const negate = word === 'unless';
  const values = rest.slice(0, -1);
  const rate = /^(?:sc_http_req_rate\(([012])\)|sc([012])_http_req_rate(?:\(\))?)$/.exec(fetch ?? '');
  if (rate) {
    const [op, value] = values;
    if (!['gt', 'ge', 'lt', 'le', 'eq'].includes(op ?? '') || !/^\d+$/.test(value ?? '')) {
      ctx.alert(`'${fetch}' expects an operator (gt, ge, lt, le, eq) and an integer, as in '${fetch} gt 20'.`);
      return undefined;
    }
    return { negate, fetch: 'sc_http_req_rate', counter: Number(rate[1] ?? rate[2]), op: op as 'gt', value: Number(value) };
  }
  if (fetch === 'path' || fetch === 'path_beg' || fetch === 'src') return { negate, fetch, values };
  ctx.unsupported(`the fetch '${fetch ?? ''}' in a condition (the sandbox knows sc_http_req_rate, path, path_beg and src), so the rule`);
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
  const table: StickTableConfig = { type: 'ip', size: Number(size[1]) * { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[size[2].toLowerCase() as ''], expire };
  for (const stored of (option('store') ?? '').split(',').filter(Boolean)) {
    const rate = /^http_req_rate\((\w+)\)$/.exec(stored);
    const period = rate && parseTime(rate[1]);
    if (typeof period === 'number') table.period = period;
    else ctx.unsupported(`'store ${stored}'`);
  }
  proxy.stickTable = table;
}

