// The balancer's configuration: a subset of real haproxy.cfg, parsed the way HAProxy 2.6 parses it.
//
// Sections start with `global`, `defaults`, `frontend <name>`, `backend <name>` or `listen <name>`; every other line
// is one keyword and its arguments. Like HAProxy, the parser reads the whole file and reports every problem it finds
// with its file:line, in HAProxy's own words, before refusing the file. Keywords HAProxy knows but this sandbox does
// not implement are accepted with a warning that says so, so a real config still loads.
import type { ParsedConfig } from '../shared/parsed-config';
// The shell's "did you mean" (edit distance with swapped letters), so typos get the same help everywhere.
import { closest } from '../shared/suggest';
import type { DenyStatus } from './errors';
import { parseHeaderRule, parseHttpRequest, parseStickTable } from './config-rules';
import {
  ALGORITHMS,
  OTHER_ALGORITHMS,
  TIMEOUT_NAMES,
  SUPPORTED_TIMEOUTS,
  OPTIONS,
  OTHER_OPTIONS,
  OTHER_PROXY_KEYWORDS,
  GLOBAL_KEYWORDS,
  SERVER_FLAGS,
  SERVER_TIMES,
  SERVER_COUNTS,
  OTHER_SERVER_WITH_ARG,
  OTHER_SERVER_FLAGS,
} from './keywords';

export type Algorithm = 'roundrobin' | 'static-rr' | 'leastconn' | 'source';

export interface Timeouts {
  connect?: number;
  client?: number;
  server?: number;
  queue?: number;
  check?: number;
}

/** The per-server settings `default-server` can preset. Defaults from HAProxy's include/haproxy/defaults.h. */
export interface ServerParams {
  check: boolean;
  inter: number;
  fastinter?: number;
  downinter?: number;
  fall: number;
  rise: number;
  weight: number;
  backup: boolean;
  disabled: boolean;
  maxconn: number;
}

export interface ServerConfig extends ServerParams {
  name: string;
  line: number;
  /** Where the server listens, "host:port" (a virtual address inside the sandbox). */
  address: string;
}

export interface HttpCheck {
  method: string;
  uri: string;
  version: string;
  /** `http-check expect status <code>`; without it any 2xx or 3xx passes. */
  expectStatus?: number;
}

/** `stick-table type ip size 100k expire 30s store http_req_rate(10s)` */
export interface StickTableConfig {
  type: 'ip';
  size: number;
  expire: number;
  /** The period of `http_req_rate(<period>)`, when stored. */
  period?: number;
}

/** The anonymous ACL of an `if { ... }` / `unless { ... }`: the fetches the sandbox knows. */
export type Condition = { negate: boolean } & (
  | { fetch: 'sc_http_req_rate'; counter: number; op: 'gt' | 'ge' | 'lt' | 'le' | 'eq'; value: number }
  | { fetch: 'path' | 'path_beg' | 'src'; values: string[] }
  /** `ssl_fc`: the client's connection is TLS (it came in on a `bind ... ssl` address). */
  | { fetch: 'ssl_fc' }
);

/** The codes `redirect` accepts ("Only codes 301, 302, 303, 307 and 308 are supported, with 302 used by default"). */
export type RedirectCode = 301 | 302 | 303 | 307 | 308;

/**
 * `http-request track-sc0 src [table <name>]`, `http-request deny [deny_status <code>] [if|unless { ... }]` and
 * `http-request redirect scheme https [code 301] [if|unless { ... }]`.
 */
export type HttpRequestRule =
  | { action: 'track'; counter: number; table: string; line: number }
  | { action: 'deny'; status: DenyStatus; condition?: Condition }
  | { action: 'redirect'; scheme: string; code: RedirectCode; condition?: Condition };

/**
 * `http-response set-header <name> <value> [if|unless { ... }]` (answers from a server) and
 * `http-after-response set-header ...` (every answer, HAProxy's own pages and redirects too); `add-header` keeps
 * a header already there instead of replacing it.
 */
export interface HeaderRule {
  phase: 'http-response' | 'http-after-response';
  action: 'set-header' | 'add-header';
  name: string;
  value: string;
  condition?: Condition;
}

export interface ProxyConfig {
  kind: 'frontend' | 'backend' | 'listen';
  name: string;
  line: number;
  timeouts: Timeouts;
  retries: number;
  redispatch: boolean;
  httplog: boolean;
  dontlognull: boolean;
  forwardfor: boolean;
  allbackups: boolean;
  logHealthChecks: boolean;
  /** `log global` (or a log target) in this proxy: request log lines are written. */
  log: boolean;
  balance: Algorithm;
  httpchk?: HttpCheck;
  /** `crt`: set for `bind ... ssl crt <file>` (TLS termination, served by the TLS model in ../network/tls). */
  binds: { address: string; line: number; crt?: string }[];
  defaultBackend?: { name: string; line: number };
  servers: ServerConfig[];
  stats?: { uri: string; refresh?: number };
  /** `http-request use-service prometheus-exporter if { path /metrics }`: the path it answers. */
  metricsPath?: string;
  stickTable?: StickTableConfig;
  /** The `http-request` rules the sandbox implements, in order. */
  rules: HttpRequestRule[];
  /** The `http-response` and `http-after-response` header rules, in order. */
  headerRules: HeaderRule[];
}

export interface Config {
  file: string;
  /** A `log` line in `global`: proxies with `log global` write their log lines. */
  globalLog: boolean;
  /** `stats socket ipv4@host:port level admin`: where the runtime API listens. */
  statsSockets: { address: string; line: number }[];
  proxies: ProxyConfig[];
}

/** Errors and warnings in HAProxy's words (its ALERTs and WARNINGs), without the `[ALERT]    (pid) : config : ` prefix. */
export type ParseResult = ParsedConfig<Config>;

const defaultServer = (): ServerParams => ({
  check: false,
  inter: 2000,
  fall: 3,
  rise: 2,
  weight: 1,
  backup: false,
  disabled: false,
  maxconn: 0,
});

type Kind = 'global' | 'defaults' | ProxyConfig['kind'];
type Section =
  { kind: 'global' } | { kind: 'defaults'; proxy: ProxyConfig } | { kind: ProxyConfig['kind']; proxy: ProxyConfig };

export interface Context {
  file: string;
  line: number;
  config: Config;
  /** `parsing [haproxy.cfg:12] : <text>` */
  alert(text: string): void;
  warn(text: string): void;
  /** A message that carries its own location (server lines use `[haproxy.cfg:12] : 'server be/srv' : ...`). */
  raw(text: string): void;
  rawWarn(text: string): void;
  /** The standard warning for a keyword the real HAProxy accepts but this sandbox ignores. */
  unsupported(what: string): void;
  /** Whether a file the configuration names (a `crt`) exists, as HAProxy stats it while parsing. */
  exists(path: string): boolean;
}

// A run of characters with no meaning to the word splitter, taken whole (sticky: matched where the scan is).
const PLAIN = /[^ \t#"'\\]+/y;

/** Splits a line into words as HAProxy does: spaces separate, quotes group, backslash escapes, # starts a comment. */
export function words(line: string): string[] {
  const out: string[] = [];
  // The pieces of the current word, joined once it ends, so a long word is not built a character at a time.
  let parts: string[] | undefined;
  for (let i = 0; i < line.length;) {
    const c = line[i];
    if (c === ' ' || c === '\t') {
      if (parts) out.push(parts.join(''));
      parts = undefined;
      i++;
    } else if (c === '#') {
      break;
    } else if (c === '"' || c === "'") {
      // An unclosed quote runs to the end of the line.
      const close = line.indexOf(c, i + 1);
      const end = close < 0 ? line.length : close;
      (parts ??= []).push(line.slice(i + 1, end));
      i = end + 1;
    } else if (c === '\\' && i + 1 < line.length) {
      (parts ??= []).push(line[i + 1]);
      i += 2;
    } else {
      PLAIN.lastIndex = i + 1;
      const end = PLAIN.test(line) ? PLAIN.lastIndex : i + 1;
      (parts ??= []).push(line.slice(i, end));
      i = end;
    }
  }
  if (parts) out.push(parts.join(''));
  return out;
}

/** HAProxy time values: a bare number is milliseconds; units us, ms, s, m, h, d. Returns the bad character on error. */
export function parseTime(text: string): number | { bad: string } {
  const match = /^(\d+)(us|ms|s|m|h|d)?/.exec(text);
  if (!match) return { bad: text[0] ?? '' };
  if (match[0].length < text.length) return { bad: text[match[0].length] };
  const unit = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] ?? 'ms']!;
  return Number(match[1]) * unit;
}

function newProxy(kind: ProxyConfig['kind'] | 'defaults', name: string, line: number, from?: ProxyConfig): ProxyConfig {
  // A proxy inherits the defaults' settings (its own copies of the nested ones), never their lists, which are
  // emptied below: copying those for every proxy would make a file of many rules and many proxies quadratic.
  const base: ProxyConfig = from
    ? { ...from, timeouts: { ...from.timeouts }, httpchk: from.httpchk && { ...from.httpchk } }
    : {
        kind: 'listen',
        name: '',
        line: 0,
        timeouts: {},
        retries: 3,
        redispatch: false,
        httplog: false,
        dontlognull: false,
        forwardfor: false,
        allbackups: false,
        logHealthChecks: false,
        log: false,
        // HAProxy 2.6 (this sandbox's model) uses roundrobin when `balance` is absent; 3.3 and later use random.
        balance: 'roundrobin',
        binds: [],
        servers: [],
        rules: [],
        headerRules: [],
      };
  return {
    ...base,
    kind: kind === 'defaults' ? 'listen' : kind,
    name,
    line,
    binds: [],
    servers: [],
    rules: [],
    headerRules: [],
    defaultBackend: undefined,
    stats: undefined,
    metricsPath: undefined,
    stickTable: undefined,
  };
}

// Default-server settings live beside the defaults section's proxy settings.
const serverDefaults = new WeakMap<ProxyConfig, ServerParams>();
// Each proxy's servers by name, to find a duplicate name without a search through every earlier server.
const serverNames = new WeakMap<ProxyConfig, Map<string, ServerConfig>>();

// HAProxy 2.6 splits a line into at most MAX_LINE_ARGS words (include/haproxy/defaults.h) and gives up on a file
// after 50 fatal errors (src/cfgparse.c, readcfgfile). It has no limit on a line's length: its buffer grows.
const MAX_LINE_ARGS = 64;
const MAX_FATAL = 50;

/** HAProxy's alert for a line of more than 64 words; the position counts the words as written out, one separator each. */
function tooManyWords(args: string[]): string {
  const position = args.slice(0, MAX_LINE_ARGS - 1).reduce((at, word) => at + word.length + 1, 1);
  return `too many words, truncating after word ${MAX_LINE_ARGS}, position ${position}: <${args[MAX_LINE_ARGS - 1]}>.`;
}

/**
 * Parses haproxy.cfg's text. `exists` answers for the files it names (the `crt` of a `bind ... ssl`): the program
 * passes the file system's answer, so `-c` fails on a missing certificate as `haproxy -c` does.
 */
export function parseConfig(
  text: string,
  file = 'haproxy.cfg',
  exists: (path: string) => boolean = () => true,
): ParseResult {
  const steps = parsing(text, file, exists);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** How long a running balancer parses before it lets its traffic through again. */
const SLICE_MS = 8;

/**
 * The same parse for a running balancer's reload, in slices of a few milliseconds with its event loop free between
 * them: HAProxy's master parses the new file in another process while the old workers serve, so a big file must not
 * stall requests here either (1 MB of servers takes a few hundred milliseconds to parse).
 */
export async function parseConfigInSlices(
  text: string,
  file: string,
  exists: (path: string) => boolean,
): Promise<ParseResult> {
  const steps = parsing(text, file, exists);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** The parse itself; it yields whenever it has run for SLICE_MS, so a caller can pause between slices. */
function* parsing(text: string, file: string, exists: (path: string) => boolean): Generator<void, ParseResult> {
  const alerts: string[] = [];
  const warnings: string[] = [];
  const config: Config = { file, globalLog: false, statsSockets: [], proxies: [] };
  const proxiesByName = new Map<string, ProxyConfig[]>();
  let section: Section | undefined;
  let fatal = 0;
  let defaults = newProxy('defaults', '', 0);
  serverDefaults.set(defaults, defaultServer());

  const lines = text.split(/\r?\n/);
  let sliceStart = performance.now();
  for (const [index, raw] of lines.entries()) {
    const line = index + 1;
    if (performance.now() - sliceStart > SLICE_MS) {
      yield;
      sliceStart = performance.now();
    }
    if (fatal >= MAX_FATAL) {
      alerts.push(`parsing [${file}:${line}]: too many fatal errors (${fatal}), stopping now.`);
      break;
    }
    const before = alerts.length;
    parseLine(raw, line);
    if (alerts.length > before) fatal++;
  }

  function parseLine(raw: string, line: number): void {
    const args = words(raw);
    if (args.length === 0) return;
    if (args.length > MAX_LINE_ARGS) return void alerts.push(`parsing [${file}:${line}]: ${tooManyWords(args)}`);
    const at = `parsing [${file}:${line}] : `;
    const ctx: Context = {
      file,
      line,
      config,
      alert: (t) => alerts.push(at + t),
      warn: (t) => warnings.push(at + t),
      raw: (t) => alerts.push(t),
      rawWarn: (t) => warnings.push(t),
      unsupported: (what) => warnings.push(`${at}${what} is not supported by this sandbox and is ignored.`),
      exists,
    };
    const [keyword] = args;

    if (keyword === 'global') return void (section = { kind: 'global' });
    if (keyword === 'defaults') {
      defaults = newProxy('defaults', args[1] ?? '', line, defaults);
      serverDefaults.set(defaults, { ...defaultServer() });
      return void (section = { kind: 'defaults', proxy: defaults });
    }
    if (keyword === 'frontend' || keyword === 'backend' || keyword === 'listen') {
      const name = args[1];
      if (!name) return ctx.alert(`'${keyword}' expects <name> as an argument.`);
      if (!/^[A-Za-z0-9_.:-]+$/.test(name))
        return ctx.alert(
          `character '${[...name].find((c) => !/[A-Za-z0-9_.:-]/.test(c))}' is not permitted in '${keyword}' name '${name}'.`,
        );
      const clash = proxiesByName
        .get(name)
        ?.find((p) => (canFront(p) && keyword !== 'backend') || (canBack(p) && keyword !== 'frontend'));
      if (clash)
        ctx.alert(
          `${keyword} '${name}' has the same name as ${clash.kind} '${name}' declared at ${file}:${clash.line}.`,
        );
      const proxy = newProxy(keyword, name, line, defaults);
      serverDefaults.set(proxy, { ...serverDefaults.get(defaults)! });
      serverNames.set(proxy, new Map());
      config.proxies.push(proxy);
      const sameName = proxiesByName.get(name);
      if (sameName) sameName.push(proxy);
      else proxiesByName.set(name, [proxy]);
      return void (section = { kind: keyword, proxy });
    }
    if (!section) return void alerts.push(`parsing [${file}:${line}]: unknown keyword '${keyword}' out of section.`);
    if (section.kind === 'global') return parseGlobal(args, ctx);
    parseProxyKeyword(args, section.proxy, section.kind, ctx);
  }

  checkReferences(config, proxiesByName, alerts, warnings);
  return alerts.length ? { errors: alerts, warnings } : { config, errors: alerts, warnings };
}

const canFront = (p: ProxyConfig) => p.kind !== 'backend';
const canBack = (p: ProxyConfig) => p.kind !== 'frontend';

function parseGlobal(args: string[], ctx: Context): void {
  const [keyword] = args;
  if (keyword === 'log') {
    ctx.config.globalLog = true;
    if (args[1] !== 'stdout' && args[1] !== 'stderr')
      ctx.warn(
        `'log ${args[1] ?? ''}': only 'log stdout' and 'log stderr' are supported by this sandbox; log lines go to the sandbox's log.`,
      );
    return;
  }
  if (keyword === 'stats' && args[1] === 'socket') {
    const target = args[2];
    if (!target) return ctx.alert(`'stats socket' expects a path or an address as an argument.`);
    if (!target.startsWith('ipv4@')) {
      return ctx.warn(
        `'stats socket ${target}': UNIX sockets are not supported by this sandbox and this one is ignored; use 'stats socket ipv4@127.0.0.1:9999 level admin'.`,
      );
    }
    const level = args.indexOf('level');
    if (level > 0 && args[level + 1] !== 'admin') ctx.unsupported(`'level ${args[level + 1]}'`);
    return void ctx.config.statsSockets.push({ address: target.slice('ipv4@'.length), line: ctx.line });
  }
  if (keyword === 'stats' && args[1] === 'timeout') return;
  if (GLOBAL_KEYWORDS.includes(keyword) || keyword.startsWith('tune.'))
    return ctx.unsupported(`'${args.slice(0, keyword === 'stats' ? 2 : 1).join(' ')}'`);
  ctx.alert(`unknown keyword '${keyword}' in 'global' section${didYouMean(keyword, GLOBAL_KEYWORDS)}`);
}

const PROXY_KEYWORDS = [
  'mode',
  'log',
  'option',
  'no',
  'timeout',
  'retries',
  'balance',
  'default-server',
  'server',
  'bind',
  'default_backend',
  'stats',
  'http-request',
  'http-response',
  'http-after-response',
  'http-check',
  'stick-table',
  ...OTHER_PROXY_KEYWORDS,
];
const BACKEND_ONLY = ['balance', 'server', 'default-server', 'retries', 'http-check'];
const FRONTEND_ONLY = ['bind', 'default_backend'];

function parseProxyKeyword(args: string[], proxy: ProxyConfig, kind: Kind, ctx: Context): void {
  const [keyword] = args;
  if (!PROXY_KEYWORDS.includes(keyword)) {
    return ctx.alert(`unknown keyword '${keyword}' in '${kind}' section${didYouMean(keyword, PROXY_KEYWORDS)}`);
  }
  if (kind === 'defaults' && (keyword === 'server' || keyword === 'bind')) {
    return ctx.alert(`'${keyword}' not allowed in 'defaults' section.`);
  }
  if (kind === 'frontend' && BACKEND_ONLY.includes(keyword)) {
    if (keyword === 'server') return ctx.alert(`'server' not allowed in 'frontend' section.`);
    return ctx.warn(`'${keyword}' ignored because frontend '${proxy.name}' has no backend capability.`);
  }
  if (kind === 'backend' && FRONTEND_ONLY.includes(keyword)) {
    return ctx.warn(`'${keyword}' ignored because backend '${proxy.name}' has no frontend capability.`);
  }
  if (OTHER_PROXY_KEYWORDS.includes(keyword)) return ctx.unsupported(`'${keyword}'`);

  switch (keyword) {
    case 'mode':
      if (args[1] === 'http') return;
      if (args[1] === 'tcp')
        return ctx.warn(`'mode tcp' is not supported by this sandbox: ${kind} '${proxy.name}' works in 'mode http'.`);
      return ctx.alert(`unknown proxy mode '${args[1] ?? ''}'.`);
    case 'log':
      // `log global` uses the global section's targets: without one it writes nothing, as in HAProxy.
      proxy.log = args[1] !== 'global' || ctx.config.globalLog;
      if (args[1] !== 'global' && args[1] !== 'stdout' && args[1] !== 'stderr')
        ctx.warn(
          `'log ${args[1] ?? ''}': only 'log global', 'log stdout' and 'log stderr' are supported by this sandbox; log lines go to the sandbox's log.`,
        );
      return;
    case 'option':
    case 'no':
      return parseOption(keyword === 'no' ? args.slice(1) : args, keyword === 'no', proxy, kind, ctx);
    case 'timeout':
      return parseTimeout(args, proxy, ctx);
    case 'retries': {
      const n = Number(args[1]);
      if (!Number.isInteger(n) || n < 0)
        return ctx.alert(`'retries' expects an integer argument (got '${args[1] ?? ''}').`);
      proxy.retries = n;
      return;
    }
    case 'balance':
      return parseBalance(args, proxy, ctx);
    case 'default-server':
      return void parseServerParams(
        args,
        1,
        serverDefaults.get(proxy)!,
        `[${ctx.file}:${ctx.line}] : 'default-server'`,
        'default-server',
        ctx,
      );
    case 'server':
      return parseServer(args, proxy, ctx);
    case 'bind':
      return parseBind(args, proxy, ctx);
    case 'default_backend':
      if (!args[1]) return ctx.alert(`'default_backend' expects a backend name.`);
      proxy.defaultBackend = { name: args[1], line: ctx.line };
      return;
    case 'stats':
      return parseStats(args, proxy, ctx);
    case 'http-request':
      return parseHttpRequest(args, proxy, ctx);
    case 'http-response':
    case 'http-after-response':
      return parseHeaderRule(args, proxy, ctx);
    case 'stick-table':
      return parseStickTable(args, proxy, ctx);
    case 'http-check':
      if (args[1] === 'expect' && args[2] === 'status' && /^\d{3}$/.test(args[3] ?? '')) {
        proxy.httpchk = { ...(proxy.httpchk ?? defaultHttpCheck()), expectStatus: Number(args[3]) };
        return;
      }
      if (args[1] === 'expect')
        return ctx.unsupported(
          `'http-check expect ${args.slice(2).join(' ')}' (only 'http-check expect status <code>' is)`,
        );
      return ctx.unsupported(`'http-check ${args[1] ?? ''}'`);
  }
}

const defaultHttpCheck = (): HttpCheck => ({ method: 'OPTIONS', uri: '/', version: 'HTTP/1.0' });

function parseOption(args: string[], negated: boolean, proxy: ProxyConfig, kind: Kind, ctx: Context): void {
  const name = args[1];
  if (!name || ![...OPTIONS, ...OTHER_OPTIONS].includes(name)) {
    return ctx.alert(`unknown option '${name ?? ''}'${didYouMean(name ?? '', [...OPTIONS, ...OTHER_OPTIONS])}`);
  }
  if (OTHER_OPTIONS.includes(name)) return ctx.unsupported(`'option ${name}'`);
  const on = !negated;
  switch (name) {
    case 'httplog':
      proxy.httplog = on;
      return;
    case 'dontlognull':
      proxy.dontlognull = on;
      return;
    case 'redispatch':
      proxy.redispatch = on;
      if (args[2] && args[2] !== '-1') ctx.unsupported(`'option redispatch ${args[2]}' (an interval)`);
      return;
    case 'forwardfor':
      proxy.forwardfor = on;
      return;
    case 'allbackups':
      proxy.allbackups = on;
      return;
    case 'log-health-checks':
      proxy.logHealthChecks = on;
      return;
    case 'httpchk': {
      if (kind === 'frontend')
        return ctx.warn(`'option httpchk' ignored because frontend '${proxy.name}' has no backend capability.`);
      // `option httpchk`, `option httpchk <uri>`, `option httpchk <method> <uri> [<version>]`; HTTP/1.0 and OPTIONS by default.
      const rest = args.slice(2);
      const check = defaultHttpCheck();
      if (rest.length === 1) check.uri = rest[0];
      else if (rest.length >= 2) [check.method, check.uri, check.version = 'HTTP/1.0'] = rest;
      proxy.httpchk = on ? { ...check, expectStatus: proxy.httpchk?.expectStatus } : undefined;
      return;
    }
  }
}

function parseTimeout(args: string[], proxy: ProxyConfig, ctx: Context): void {
  const name = args[1] ?? '';
  if (!TIMEOUT_NAMES.includes(name)) {
    return ctx.alert(
      `'timeout' supports 'client', 'server', 'connect', 'check', 'queue', 'http-keep-alive', 'http-request', 'tunnel', 'tarpit', 'client-fin' and 'server-fin' (got '${name}')`,
    );
  }
  if (!args[2]) return ctx.alert(`'timeout ${name}' expects an integer value (in milliseconds)`);
  const value = parseTime(args[2]);
  if (typeof value !== 'number') return ctx.alert(`unexpected character '${value.bad}' in 'timeout ${name}'`);
  if (!SUPPORTED_TIMEOUTS.includes(name as keyof Timeouts)) return ctx.unsupported(`'timeout ${name}'`);
  proxy.timeouts[name as keyof Timeouts] = value;
}

function parseBalance(args: string[], proxy: ProxyConfig, ctx: Context): void {
  const name = args[1] ?? '';
  if (ALGORITHMS.includes(name as Algorithm)) return void (proxy.balance = name as Algorithm);
  if (OTHER_ALGORITHMS.some((a) => name === a || name.startsWith(a + '('))) {
    proxy.balance = 'roundrobin';
    return ctx.unsupported(`'balance ${name}' (the sandbox uses roundrobin instead)`);
  }
  ctx.alert(
    `balance only supports 'roundrobin', 'static-rr', 'leastconn', 'source', 'uri', 'url_param', 'hdr(name)' and 'rdp-cookie(name)' options.`,
  );
}

function parseServer(args: string[], proxy: ProxyConfig, ctx: Context): void {
  const [, name, address] = args;
  if (!name || !address) return ctx.alert(`'server' expects <name> and <addr>[:<port>] as arguments.`);
  const other = serverNames.get(proxy)!.get(name);
  if (other) {
    return ctx.alert(
      `backend '${proxy.name}', another server named '${name}' was already defined at line ${other.line}, please use distinct names.`,
    );
  }
  // HAProxy's messages about one server line (src/server.c) start with the line and the server's full name.
  const who = `[${ctx.file}:${ctx.line}] : 'server ${proxy.name}/${name}'`;
  const port = /^(?:[\w.-]+|\[[^\]]+\]):(\d+)$/.exec(address);
  if (!port || Number(port[1]) < 1 || Number(port[1]) > 65535) {
    // HAProxy accepts a server without a port if a check port is given; the sandbox always needs one.
    return ctx.raw(
      `${who} : server '${name}' has neither service port nor check port nor tcp_check rule 'connect' with port information (the sandbox needs <addr>:<port>, e.g. 10.0.0.11:80).`,
    );
  }
  const server: ServerConfig = { ...serverDefaults.get(proxy)!, name, line: ctx.line, address };
  if (!parseServerParams(args, 3, server, who, name, ctx)) return;
  proxy.servers.push(server);
  serverNames.get(proxy)!.set(name, server);
}

/** Reads `check inter 2s fall 3 ...` from args[start]; returns false when an alert was raised. */
function parseServerParams(
  args: string[],
  start: number,
  into: ServerParams,
  who: string,
  name: string,
  ctx: Context,
): boolean {
  for (let i = start; i < args.length; i++) {
    const keyword = args[i];
    const value = args[i + 1];
    if ((SERVER_FLAGS as readonly string[]).includes(keyword)) {
      into[keyword as (typeof SERVER_FLAGS)[number]] = true;
    } else if ((SERVER_TIMES as readonly string[]).includes(keyword)) {
      if (value === undefined) return fail(`'${keyword}' expects <time> as argument.`);
      const time = parseTime(value);
      // (HAProxy 2.6 names the argument 'agent-inter' in this message, whatever it was; the sandbox names it right.)
      if (typeof time !== 'number')
        return fail(`unexpected character '${time.bad}' in '${keyword}' argument of server ${name}..`);
      if (time <= 0) return fail(`invalid value ${value} for argument '${keyword}' of server ${name}..`);
      into[keyword as (typeof SERVER_TIMES)[number]] = time;
      i++;
    } else if ((SERVER_COUNTS as readonly string[]).includes(keyword)) {
      const n = Number(value);
      if (value === undefined || !/^\d+$/.test(value)) return fail(`'${keyword}' expects an integer argument..`);
      if (keyword === 'weight' && n > 256) return fail(`weight of server ${name} is not within 0 and 256 (${n})..`);
      if ((keyword === 'fall' || keyword === 'rise') && n < 1) return fail(`'${keyword}' has to be > 0..`);
      into[keyword as (typeof SERVER_COUNTS)[number]] = n;
      i++;
    } else if (OTHER_SERVER_WITH_ARG.includes(keyword)) {
      ctx.rawWarn(`${who} : '${keyword} ${value ?? ''}' is not supported by this sandbox and is ignored.`);
      i++;
    } else if (OTHER_SERVER_FLAGS.includes(keyword)) {
      ctx.rawWarn(`${who} : '${keyword}' is not supported by this sandbox and is ignored.`);
    } else {
      const known = [
        ...SERVER_FLAGS,
        ...SERVER_TIMES,
        ...SERVER_COUNTS,
        ...OTHER_SERVER_WITH_ARG,
        ...OTHER_SERVER_FLAGS,
      ];
      return fail(`unknown keyword '${keyword}'${didYouMean(keyword, known)}`);
    }
  }
  return true;

  function fail(text: string): false {
    ctx.raw(`${who} : ${text}`);
    return false;
  }
}

function parseBind(args: string[], proxy: ProxyConfig, ctx: Context): void {
  const address = args[1];
  if (!address) return ctx.alert(`'bind' expects {<path>|[addr1]:port1[-end1]}{,[addr]:port[-end]}... as arguments.`);
  // TLS termination (`bind :443 ssl crt site.pem`): the crt file holds the certificate and its key.
  const ssl = args.includes('ssl');
  const crt = args.includes('crt') ? args[args.indexOf('crt') + 1] : undefined;
  if (ssl && !crt)
    return ctx.alert(
      `'bind ${address}' : 'ssl' needs a certificate: add 'crt <file>' (the certificate and its private key in one PEM file).`,
    );
  for (const one of address.split(',')) {
    const match = /^(?:ipv4@)?([\w.*-]*):(\d+)$/.exec(one);
    if (!match) return ctx.alert(`'bind ${address}' : missing port number: '${one}'`);
    if (Number(match[2]) < 1 || Number(match[2]) > 65535)
      return ctx.alert(`'bind ${address}' : invalid port '${match[2]}'`);
    proxy.binds.push({
      address: `${match[1] === '*' ? '' : match[1]}:${match[2]}`,
      line: ctx.line,
      ...(ssl ? { crt } : {}),
    });
  }
  // HAProxy has made the listener before it reads the options: a missing certificate is the only complaint.
  if (crt && !ctx.exists(crt)) {
    return ctx.alert(
      `'bind ${address}' in section '${proxy.kind}' : unable to stat SSL certificate from file '${crt}' : No such file or directory.`,
    );
  }
  const others = args.slice(2).filter((arg, i, all) => arg !== 'ssl' && arg !== 'crt' && all[i - 1] !== 'crt');
  if (others.length) ctx.unsupported(`'bind' option '${others[0]}'`);
}

function parseStats(args: string[], proxy: ProxyConfig, ctx: Context): void {
  const what = args[1];
  if (what === 'enable') return void (proxy.stats ??= { uri: '/haproxy?stats' });
  if (what === 'uri') {
    if (!args[2]) return ctx.alert(`'stats uri' needs an URI prefix.`);
    return void (proxy.stats = { ...(proxy.stats ?? {}), uri: args[2] });
  }
  if (what === 'refresh') {
    const time = parseTime(args[2] ?? '');
    if (typeof time !== 'number') return ctx.alert(`'stats refresh' expects <delay> as argument.`);
    return void (proxy.stats = { uri: '/haproxy?stats', ...(proxy.stats ?? {}), refresh: time });
  }
  if (
    [
      'auth',
      'realm',
      'admin',
      'hide-version',
      'show-legends',
      'show-node',
      'show-desc',
      'scope',
      'http-request',
      'show-modules',
    ].includes(what ?? '')
  ) {
    return ctx.unsupported(`'stats ${what}'`);
  }
  ctx.alert(
    `'stats' expects 'admin', 'uri', 'realm', 'auth', 'scope', 'enable', 'hide-version', 'show-node', 'show-desc' or 'show-legends'.`,
  );
}

/** Checks across sections, as HAProxy does once the whole file is read. */
function checkReferences(
  config: Config,
  proxiesByName: Map<string, ProxyConfig[]>,
  alerts: string[],
  warnings: string[],
): void {
  const at = (line: number) => `parsing [${config.file}:${line}] : `;
  for (const proxy of config.proxies) {
    if (proxy.defaultBackend) {
      const target = proxiesByName.get(proxy.defaultBackend.name)?.find(canBack);
      if (!target)
        alerts.push(
          `${at(proxy.defaultBackend.line)}Proxy '${proxy.name}': unable to find required default_backend: '${proxy.defaultBackend.name}'.`,
        );
    }
    for (const rule of proxy.rules) {
      if (rule.action === 'track' && !proxiesByName.get(rule.table)?.some((p) => p.stickTable)) {
        alerts.push(
          `${at(rule.line)}'http-request track-sc${rule.counter}' : unable to find stick-table '${rule.table}'.`,
        );
      }
    }
    if (canFront(proxy) && proxy.binds.length === 0)
      alerts.push(
        `${at(proxy.line)}Proxy '${proxy.name}' has no 'bind' directive. Please declare it as a backend if this was intended.`,
      );
    if (proxy.kind === 'frontend' && !proxy.defaultBackend && !proxy.stats && !proxy.metricsPath) {
      warnings.push(
        `${at(proxy.line)}frontend '${proxy.name}' has no default_backend: every request gets the 503 page.`,
      );
    }
    const missing =
      (canFront(proxy) && !proxy.timeouts.client) ||
      (canBack(proxy) && (!proxy.timeouts.connect || !proxy.timeouts.server));
    if (missing) {
      const type = proxy.kind === 'listen' ? 'proxy' : proxy.kind;
      warnings.push(
        `missing timeouts for ${type} '${proxy.name}'.\n` +
          `   | While not properly invalid, you will certainly encounter various problems\n` +
          `   | with such a configuration. To fix this, please ensure that all following\n` +
          `   | timeouts are set to a non-zero value: 'client', 'connect', 'server'.`,
      );
    }
  }
}

function didYouMean(word: string, known: readonly string[]): string {
  const [best] = closest(word, known);
  return best ? `; did you mean '${best}' maybe ?` : '';
}
