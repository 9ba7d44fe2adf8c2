// One megabyte of configuration for each parser, in the shapes that make a parser super-linear: one long line (a
// long word, many words, many quotes or comment characters) and many lines (many servers, many proxies, many
// errors). Each case says what the check must conclude, so a fast wrong answer does not pass. Shared by
// bench/config-check.mjs (prints the times) and tests/sandboxes/config-speed.test.ts (asserts outcome and bound).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig as parseHaproxy } from '../sandboxes/balancer/config';
import { loadConfig as loadPrometheus } from '../sandboxes/monitor/config';
import { parseMonitorConfig } from '../sandboxes/store/failover-monitor-config';
import { parseConfig as parseKeepalived } from '../sandboxes/vrrp/config';

export const MB = 1 << 20;

/** `unit` repeated to one megabyte (or a little over). */
const fill = (unit: string) => unit.repeat(Math.ceil(MB / unit.length));
/** `unit(i)` for i = 0, 1, ... until one megabyte. */
function lines(unit: (i: number) => string): string {
  const out: string[] = [];
  for (let i = 0, size = 0; size < MB; i++) {
    out.push(unit(i));
    size += out[i].length + 1;
  }
  return out.join('\n');
}

export interface Case {
  program: 'balancer' | 'vrrp' | 'monitor' | 'store monitor';
  shape: string;
  /** The configuration text (made before the clock starts). */
  make: () => string;
  /** Runs the check; returns the first line of its verdict ("valid" or the first error). */
  check: (text: string) => string;
  /** What the verdict must match. */
  expect: RegExp;
}

const HAPROXY_HEAD =
  'defaults\n    mode http\n    timeout connect 5s\n    timeout client 30s\n    timeout server 30s\n';
function haproxy(text: string): string {
  const result = parseHaproxy(text, 'haproxy.cfg', () => true);
  return result.errors.length
    ? `${result.errors.length} alerts: ${result.errors[0].slice(0, 200)}`
    : `valid, ${result.config!.proxies.length} proxies, ${result.config!.proxies.reduce((n, p) => n + p.servers.length, 0)} servers`;
}

function keepalived(text: string): string {
  const { config, errors } = parseKeepalived(text);
  return config ? `valid, ${config.instances.length} instances` : errors[0].slice(0, 200);
}

function storeMonitor(text: string): string {
  const { config, errors } = parseMonitorConfig(text, 'failover.conf');
  return config ? `valid, ${config.nodes?.length ?? 0} nodes` : errors[0].slice(0, 200);
}

/** The monitor reads its files itself: write them to a folder of their own for the run. */
function prometheus(files: Record<string, string>): string {
  const folder = mkdtempSync(join(tmpdir(), 'config-speed-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(folder, name), text);
    const { config, errors } = loadPrometheus(join(folder, 'prometheus.yml'));
    return config
      ? `valid, ${config.targets.length} targets, ${config.rules.length} rules`
      : errors[0].replace(folder + '/', '').slice(0, 200);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

const INSTANCE = (i: number) =>
  `vrrp_instance VI_${i} {\n  interface eth0\n  virtual_router_id ${(i % 255) + 1}\n  priority 100\n  virtual_ipaddress {\n    10.0.${(i >> 8) & 255}.${i & 255}/24\n  }\n}`;

export const cases: Case[] = [
  {
    program: 'balancer',
    shape: 'one line: a 1 MB unknown keyword',
    make: () => `${HAPROXY_HEAD}frontend fe\n    ${fill('x')}\n`,
    check: haproxy,
    expect: /^\d+ alerts: parsing \[haproxy.cfg:7\] : unknown keyword 'x{20}/,
  },
  {
    program: 'balancer',
    shape: 'one line: a server with 1 MB of options',
    make: () => `${HAPROXY_HEAD}backend be\n    server s1 10.0.0.1:80 ${fill('check ')}\n`,
    check: haproxy,
    expect: /^1 alerts: parsing \[haproxy.cfg:7\]: too many words, truncating after word 64, position 383: <check>\.$/,
  },
  {
    program: 'balancer',
    shape: "one line: a condition of 1 MB of '(' and a CR",
    make: () => `${HAPROXY_HEAD}frontend fe\n    bind :80\n    http-request deny if ${fill('(')}\r\n`,
    check: haproxy,
    expect: /^valid, 1 proxies, 0 servers$/,
  },
  {
    program: 'balancer',
    shape: 'one line: 1 MB of quotes',
    make: () => `${HAPROXY_HEAD}frontend fe\n    bind :80 "${fill('""')}"\n`,
    check: haproxy,
    expect: /^valid, 1 proxies, 0 servers$/,
  },
  {
    program: 'balancer',
    shape: 'many lines: one backend with 25k servers',
    make: () =>
      `${HAPROXY_HEAD}backend be\n${lines((i) => `    server web-${i} 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:80 check`)}\n`,
    check: haproxy,
    expect: /^valid, 1 proxies, [2-9]\d{4} servers$/,
  },
  {
    program: 'balancer',
    shape: 'many lines: 60k backends',
    make: () => `${HAPROXY_HEAD}${lines((i) => `backend be_${i}`)}\n`,
    check: haproxy,
    expect: /^valid, [5-9]\d{4} proxies, 0 servers$/,
  },
  {
    program: 'balancer',
    shape: 'many lines: 1 MB of misspelt keywords',
    make: () => `${HAPROXY_HEAD}backend be\n${lines(() => '    sever web 10.0.0.1:80')}\n`,
    check: haproxy,
    expect:
      /^51 alerts: parsing \[haproxy.cfg:7\] : unknown keyword 'sever' in 'backend' section; did you mean 'server' maybe \?/,
  },
  {
    program: 'vrrp',
    shape: 'one line: a 1 MB script',
    make: () => `vrrp_script chk {\n  script "${fill('x ')}"\n}\n${INSTANCE(0)}\n`,
    check: keepalived,
    expect: /^valid, 1 instances$/,
  },
  {
    program: 'vrrp',
    shape: "one line: 1 MB of '#!' and a CR",
    make: () => `${INSTANCE(0)}\n# ${fill('#!')}\r\n`,
    check: keepalived,
    expect: /^valid, 1 instances$/,
  },
  {
    program: 'vrrp',
    shape: 'one line: 1 MB of nested blocks',
    make: () => `${INSTANCE(0)}\nglobal_defs {\n  ${fill('a { ')}\n`,
    check: keepalived,
    expect: /^keepalived.conf:10: blocks nested more than 8 deep/,
  },
  {
    program: 'vrrp',
    shape: 'many lines: 10k instances',
    make: () => `${lines(INSTANCE)}\n`,
    check: keepalived,
    expect: /^valid, \d{4,} instances$/,
  },
  {
    program: 'store monitor',
    shape: 'one line: 1 MB of nodes',
    make: () => `nodes = ${lines((i) => `db-${i}=10.0.${(i >> 8) & 255}.${i & 255}:5432`).replaceAll('\n', ', ')}\n`,
    check: storeMonitor,
    expect: /^valid, \d{5} nodes$/,
  },
  {
    program: 'store monitor',
    shape: "one line: '=' then 1 MB of spaces and a CR",
    make: () => `interval =${fill(' ')}x\r x\n`,
    check: storeMonitor,
    expect: /^failover.conf:1: interval = x\r x: expected milliseconds/,
  },
  {
    program: 'store monitor',
    shape: "one line: 1 MB of '#' and CRs",
    make: () => `misses = 3 ${fill('#\r')}\n`,
    check: storeMonitor,
    expect: /^valid, 0 nodes$/,
  },
  {
    program: 'store monitor',
    shape: 'many lines: 1 MB of settings',
    make: () => `${lines(() => 'misses = 3   # again')}\n`,
    check: storeMonitor,
    expect: /^valid, 0 nodes$/,
  },
  {
    program: 'monitor',
    shape: 'many lines: 30k scrape targets',
    make: () =>
      `global:\n  scrape_interval: 2s\nscrape_configs:\n  - job_name: web\n    static_configs:\n      - targets:\n${lines((i) => `          - 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:80`)}\n`,
    check: (text) => prometheus({ 'prometheus.yml': text }),
    expect: /^valid, [2-9]\d{4} targets, 0 rules$/,
  },
  {
    program: 'monitor',
    shape: 'one line: a 1 MB alert expression',
    make: () =>
      `groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: ${'up == 0 or '.repeat(MB / 11)}up == 0\n`,
    check: (text) =>
      prometheus({ 'prometheus.yml': 'rule_files: [rules.yml]\nscrape_configs: []\n', 'rules.yml': text }),
    expect: /^(valid, 0 targets, 1 rules|rules.yml: alert A: .*)$/,
  },
];
