// The haproxy.cfg subset: what it accepts, and the line-numbered errors, in HAProxy's words, for what it rejects.
// The expected messages are those HAProxy 2.6.12 (Debian 12) printed for the same lines with `haproxy -c`, except
// where the sandbox adds what the learner needs (a missing port; the line of a missing default_backend).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseConfig, parseTime } from '../../../sandboxes/balancer/config';
import { dist } from '../../support/sandbox-node';

const GOOD = `global
    log stdout format raw local0 info
    stats socket ipv4@127.0.0.1:9999 level admin

defaults
    log     global
    mode    http
    option  httplog
    option  dontlognull
    timeout connect 5000
    timeout client  50000
    timeout server  50000

frontend fe_web
    bind :80
    http-request use-service prometheus-exporter if { path /metrics }
    default_backend be_app

backend be_app
    balance roundrobin
    option httpchk GET /health
    http-check expect status 200
    option redispatch
    retries 2
    default-server inter 2s fall 3 rise 2
    server app1 10.0.0.11:8080 check weight 3
    server app2 10.0.0.12:8080 check maxconn 10
    server app3 10.0.0.13:8080 check backup

listen stats
    bind :8404
    stats enable
    stats uri /
    stats refresh 5s
`;

/** GOOD with line `n` (1-based) replaced. */
const withLine = (n: number, text: string) =>
  GOOD.split('\n')
    .map((l, i) => (i === n - 1 ? text : l))
    .join('\n');

describe('parsing haproxy.cfg', () => {
  it('reads the sections, defaults and server parameters of a typical config', () => {
    const { config, errors: alerts, warnings } = parseConfig(GOOD);
    expect(alerts).toEqual([]);
    expect(warnings).toEqual([]);
    const backend = config!.proxies.find((p) => p.name === 'be_app')!;
    expect(backend).toMatchObject({
      balance: 'roundrobin',
      retries: 2,
      redispatch: true,
      httplog: true,
      log: true,
      timeouts: { connect: 5000, client: 50000, server: 50000 },
    });
    expect(backend.httpchk).toEqual({ method: 'GET', uri: '/health', version: 'HTTP/1.0', expectStatus: 200 });
    expect(
      backend.servers.map((s) => [s.name, s.address, s.check, s.inter, s.fall, s.rise, s.weight, s.backup, s.maxconn]),
    ).toEqual([
      ['app1', '10.0.0.11:8080', true, 2000, 3, 2, 3, false, 0],
      ['app2', '10.0.0.12:8080', true, 2000, 3, 2, 1, false, 10],
      ['app3', '10.0.0.13:8080', true, 2000, 3, 2, 1, true, 0],
    ]);
    expect(config!.proxies.find((p) => p.name === 'fe_web')).toMatchObject({
      metricsPath: '/metrics',
      defaultBackend: { name: 'be_app' },
      binds: [{ address: ':80' }],
    });
    expect(config!.proxies.find((p) => p.name === 'stats')!.stats).toEqual({ uri: '/', refresh: 5000 });
    expect(config!.statsSockets).toEqual([{ address: '127.0.0.1:9999', line: 3 }]);
  });

  it('reads times as HAProxy does: bare numbers are milliseconds, units us ms s m h d', () => {
    expect([parseTime('5000'), parseTime('5s'), parseTime('2m'), parseTime('1h'), parseTime('250ms')]).toEqual([
      5000, 5000, 120_000, 3_600_000, 250,
    ]);
    expect(parseTime('5x')).toEqual({ bad: 'x' });
  });

  it.each([
    [
      20,
      '    balance roundrobn',
      "parsing [haproxy.cfg:20] : balance only supports 'roundrobin', 'static-rr', 'leastconn', 'source', 'uri', 'url_param', 'hdr(name)' and 'rdp-cookie(name)' options.",
    ],
    [
      20,
      '    balanse roundrobin',
      "parsing [haproxy.cfg:20] : unknown keyword 'balanse' in 'backend' section; did you mean 'balance' maybe ?",
    ],
    [
      26,
      '    server app1 10.0.0.11 check',
      "[haproxy.cfg:26] : 'server be_app/app1' : server 'app1' has neither service port nor check port nor tcp_check rule 'connect' with port information (the sandbox needs <addr>:<port>, e.g. 10.0.0.11:80).",
    ],
    [
      26,
      '    server app1 10.0.0.11:8080 check wieght 3',
      "[haproxy.cfg:26] : 'server be_app/app1' : unknown keyword 'wieght'; did you mean 'weight' maybe ?",
    ],
    [
      26,
      '    server app1 10.0.0.11:8080 check weight 300',
      "[haproxy.cfg:26] : 'server be_app/app1' : weight of server app1 is not within 0 and 256 (300)..",
    ],
    [
      26,
      '    server app1 10.0.0.11:8080 check inter 2x',
      "[haproxy.cfg:26] : 'server be_app/app1' : unexpected character 'x' in 'inter' argument of server app1..",
    ],
    [
      26,
      '    server app1 10.0.0.11:8080 check inter 0',
      "[haproxy.cfg:26] : 'server be_app/app1' : invalid value 0 for argument 'inter' of server app1..",
    ],
    [
      26,
      '    server app1 10.0.0.11:8080 check fall 0',
      "[haproxy.cfg:26] : 'server be_app/app1' : 'fall' has to be > 0..",
    ],
    [
      27,
      '    server app1 10.0.0.12:8080 check',
      "parsing [haproxy.cfg:27] : backend 'be_app', another server named 'app1' was already defined at line 26, please use distinct names.",
    ],
    [7, '    mode htp', "parsing [haproxy.cfg:7] : unknown proxy mode 'htp'."],
    [11, '    timeout client 50x', "parsing [haproxy.cfg:11] : unexpected character 'x' in 'timeout client'"],
    [
      11,
      '    timeout clinet 50s',
      "parsing [haproxy.cfg:11] : 'timeout' supports 'client', 'server', 'connect', 'check', 'queue', 'http-keep-alive', 'http-request', 'tunnel', 'tarpit', 'client-fin' and 'server-fin' (got 'clinet')",
    ],
    [
      17,
      '    default_backend be_ap',
      "parsing [haproxy.cfg:17] : Proxy 'fe_web': unable to find required default_backend: 'be_ap'.",
    ],
    [
      9,
      '    option dontlognul',
      "parsing [haproxy.cfg:9] : unknown option 'dontlognul'; did you mean 'dontlognull' maybe ?",
    ],
    [1, 'globl', "parsing [haproxy.cfg:1]: unknown keyword 'globl' out of section."],
    [
      15,
      '    bind',
      "parsing [haproxy.cfg:15] : 'bind' expects {<path>|[addr1]:port1[-end1]}{,[addr]:port[-end]}... as arguments.",
    ],
    [
      16,
      '    http-request redirect',
      "parsing [haproxy.cfg:16] : error detected in frontend 'fe_web' while parsing 'http-request redirect' rule : redirection type expected ('prefix', 'location', or 'scheme').",
    ],
    [
      16,
      '    http-request redirect scheme',
      "parsing [haproxy.cfg:16] : error detected in frontend 'fe_web' while parsing 'http-request redirect' rule : missing argument for 'scheme'.",
    ],
    [
      16,
      '    http-request redirect scheme https code 300',
      "parsing [haproxy.cfg:16] : error detected in frontend 'fe_web' while parsing 'http-request redirect' rule : 'code': unsupported HTTP code '300' (must be one of 301, 302, 303, 307 or 308).",
    ],
    [
      16,
      '    http-request redirect scheme https foo',
      "parsing [haproxy.cfg:16] : error detected in frontend 'fe_web' while parsing 'http-request redirect' rule : expects 'code', 'prefix', 'location', 'scheme', 'set-cookie', 'clear-cookie', 'drop-query', 'ignore-empty' or 'append-slash' (was 'foo').",
    ],
    [
      16,
      '    http-request redirect scheme https unless ssl_fc',
      "parsing [haproxy.cfg:16] : error detected in frontend 'fe_web' while parsing 'http-request redirect' rule : error in condition: no such ACL : 'ssl_fc'.",
    ],
    [
      16,
      '    http-request redirect scheme https if { ssl_fc',
      "parsing [haproxy.cfg:16] : error detected in frontend 'fe_web' while parsing 'http-request redirect' rule : error in condition: missing closing '}' in condition.",
    ],
    [
      16,
      '    http-response set-header Strict-Transport-Security',
      "parsing [haproxy.cfg:16] : error detected in frontend 'fe_web' while parsing 'http-response set-header' rule : expects exactly 2 arguments.",
    ],
    [
      16,
      '    http-response set-header X a b',
      "parsing [haproxy.cfg:16]: 'http-response set-header' expects either 'if' or 'unless' followed by a condition but found 'b'.",
    ],
    [
      16,
      '    http-after-response set-headr X a',
      "parsing [haproxy.cfg:16]: 'http-after-response' expects 'ot-group', 'add-header', 'allow', 'capture', 'del-header', 'replace-header', 'replace-value', 'set-header', 'set-status', 'strict-mode', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', but got 'set-headr'. Did you mean 'set-header' maybe ?",
    ],
  ])('rejects line %i changed to %j with a line-numbered error', (line, text, alert) => {
    const { config, errors: alerts } = parseConfig(withLine(line, text));
    expect(config).toBeUndefined();
    expect(alerts).toContain(alert);
  });

  it('reads the redirect to HTTPS (302 unless a code is given) and the header rules with their conditions', () => {
    const { config, errors: alerts } = parseConfig(
      withLine(
        16,
        '    http-request redirect scheme https unless { ssl_fc }\n    http-request redirect scheme https code 301 if !{ ssl_fc }\n' +
          '    http-response set-header Strict-Transport-Security "max-age=63072000"\n    http-after-response add-header X-Via lb-01 if { ssl_fc }',
      ),
    );
    expect(alerts).toEqual([]);
    const fe = config!.proxies.find((p) => p.name === 'fe_web')!;
    expect(fe.rules).toEqual([
      { action: 'redirect', scheme: 'https', code: 302, condition: { negate: true, fetch: 'ssl_fc' } },
      { action: 'redirect', scheme: 'https', code: 301, condition: { negate: true, fetch: 'ssl_fc' } },
    ]);
    expect(fe.headerRules).toEqual([
      { phase: 'http-response', action: 'set-header', name: 'Strict-Transport-Security', value: 'max-age=63072000' },
      {
        phase: 'http-after-response',
        action: 'add-header',
        name: 'X-Via',
        value: 'lb-01',
        condition: { negate: false, fetch: 'ssl_fc' },
      },
    ]);
  });

  it('refuses a bind whose crt file does not exist, as HAProxy does when it stats the file', () => {
    const text = withLine(15, '    bind :443 ssl crt /etc/haproxy/certs/site.pem');
    expect(parseConfig(text, 'haproxy.cfg', (path) => path !== '/etc/haproxy/certs/site.pem').errors).toEqual([
      "parsing [haproxy.cfg:15] : 'bind :443' in section 'frontend' : unable to stat SSL certificate from file '/etc/haproxy/certs/site.pem' : No such file or directory.",
    ]);
    expect(parseConfig(text, 'haproxy.cfg', () => true).config).toBeDefined();
  });

  it('accepts keywords HAProxy knows but the sandbox does not implement, with a warning that says so', () => {
    const { config, warnings } = parseConfig(
      withLine(9, '    option  http-server-close').replace('    retries 2', '    cookie SRV insert indirect'),
    );
    expect(config).toBeDefined();
    expect(warnings).toContain(
      "parsing [haproxy.cfg:9] : 'option http-server-close' is not supported by this sandbox and is ignored.",
    );
    expect(warnings).toContain("parsing [haproxy.cfg:24] : 'cookie' is not supported by this sandbox and is ignored.");
  });

  it("refuses a line of more than 64 words with HAProxy 2.6's alert, naming the 64th word and where it starts", () => {
    const options = (n: number) => Array(n).fill('check').join(' ');
    expect(parseConfig(withLine(27, `    server app2 10.0.0.12:8080 ${options(61)}`)).errors).toEqual([]);
    expect(parseConfig(withLine(27, `    server app2 10.0.0.12:8080 ${options(62)}`)).errors).toEqual([
      // 'server app2 10.0.0.12:8080' and 60 words 'check' before the 64th, one separator each: 7 + 5 + 15 + 60 × 6 + 1.
      'parsing [haproxy.cfg:27]: too many words, truncating after word 64, position 388: <check>.',
    ]);
  });

  it('stops after 50 fatal errors, as HAProxy does, instead of reporting every line of a wrong file', () => {
    const { errors: alerts } = parseConfig(GOOD + '    sever app9 10.0.0.19:8080\n'.repeat(60));
    expect(alerts).toHaveLength(51);
    expect(alerts[49]).toMatch(
      /^parsing \[haproxy.cfg:84\] : unknown keyword 'sever' in 'listen' section; did you mean 'server' maybe \?/,
    );
    expect(alerts[50]).toBe('parsing [haproxy.cfg:85]: too many fatal errors (50), stopping now.');
  });

  it("warns about missing timeouts with HAProxy's own text", () => {
    const { config, warnings } = parseConfig(GOOD.replace('    timeout client  50000\n', ''));
    expect(config).toBeDefined();
    expect(warnings).toContain(
      "missing timeouts for frontend 'fe_web'.\n" +
        '   | While not properly invalid, you will certainly encounter various problems\n' +
        '   | with such a configuration. To fix this, please ensure that all following\n' +
        "   | timeouts are set to a non-zero value: 'client', 'connect', 'server'.",
    );
  });
});

describe('balancer -c -f haproxy.cfg', () => {
  const check = async (text: string) => {
    const folder = mkdtempSync(join(tmpdir(), 'balancer-c-'));
    writeFileSync(join(folder, 'haproxy.cfg'), text);
    try {
      const { stdout, stderr } = await promisify(execFile)(
        process.execPath,
        [join(dist, 'balancer.js'), '-c', '-f', 'haproxy.cfg'],
        { cwd: folder },
      );
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  };

  it('prints "Configuration file is valid" and exits 0 for a good file', async () => {
    expect(await check(GOOD)).toEqual({ code: 0, stdout: 'Configuration file is valid\n', stderr: '' });
  });

  it('says "Warnings were found." before it, and prints the warnings, when there are some', async () => {
    const result = await check(GOOD.replace('    timeout client  50000\n', ''));
    expect(result).toMatchObject({ code: 0, stdout: 'Warnings were found.\nConfiguration file is valid\n' });
    expect(result.stderr).toMatch(
      /\[WARNING\] {2}\(\d+\) : config : missing timeouts for frontend 'fe_web'\.\n {3}\| While not properly invalid/,
    );
  });

  it("fails on a crt file that does not exist, with HAProxy's alert and the bind's line", async () => {
    const result = await check(withLine(15, '    bind :80\n    bind :443 ssl crt site.pem'));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /\[ALERT\] {4}\(\d+\) : config : parsing \[haproxy\.cfg:16\] : 'bind :443' in section 'frontend' : unable to stat SSL certificate from file 'site\.pem' : No such file or directory\.\n/,
    );
  });

  it("prints HAProxy's alert lines and exits 1 for a bad one", async () => {
    const result = await check(withLine(20, '    balanse roundrobin'));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^\[NOTICE\] {3}\(\d+\) : haproxy version is 2\.6\.12-sandbox$/);
    lines.splice(0, 2);
    expect(lines[0]).toMatch(
      /^\[ALERT\] {4}\(\d+\) : config : parsing \[haproxy\.cfg:20\] : unknown keyword 'balanse' in 'backend' section; did you mean 'balance' maybe \?$/,
    );
    expect(lines[1]).toMatch(/^\[ALERT\] {4}\(\d+\) : config : Error\(s\) found in configuration file : haproxy\.cfg$/);
    expect(lines[2]).toMatch(/^\[ALERT\] {4}\(\d+\) : config : Fatal errors found in configuration\.$/);
  });
});
