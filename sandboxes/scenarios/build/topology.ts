// The building blocks every traffic scenario shares: the nodes at their fixed addresses and the balancer's config.
import type { ScenarioNode } from '../../contracts/scenario';

/** The learner's terminal, "the internet" (a documentation address, RFC 5737). */
export const CLIENT = '203.0.113.10';

/** The balancer lb-01 at 10.0.0.2, serving :80 and its stats page on :8404. */
export function balancer(name = 'lb-01', address = '10.0.0.2'): ScenarioNode {
  return {
    name,
    role: 'balancer',
    program: 'balancer',
    address,
    ports: [80, 8404],
    args: ['-f', 'haproxy.cfg'],
    config: 'haproxy.cfg',
    reload: true,
  };
}

/**
 * Web server number n (1-based): web-01 at 10.0.0.11, web-02 at 10.0.0.12, ... serving :80, with the web server's
 * default capacity (sandboxes/web/capacity.ts) unless `args` say otherwise (`--service-time 20ms`).
 */
export function webServer(n: number, args: string[] = []): ScenarioNode {
  const name = `web-${String(n).padStart(2, '0')}`;
  return {
    name,
    role: 'web',
    program: 'web',
    address: `10.0.0.${10 + n}`,
    ports: [80],
    args: ['--name', name, '--listen', ':80', ...args],
  };
}

/**
 * The lessons' health check for a web server: every second, DOWN after 3 failures, UP again after 2 successes
 * (HAProxy's defaults are inter 2s, fall 3, rise 2; one second makes the lessons' failures visible sooner).
 */
export const HEALTH_CHECK = 'check inter 1s fall 3 rise 2';

export interface BackendOptions {
  /** `balance` algorithm: roundrobin, static-rr, leastconn, source. */
  balance: string;
  /** Extra backend lines, e.g. `option redispatch`. */
  options?: string[];
  /** The `server` lines' targets and parameters after the address. */
  servers: { node: ScenarioNode; params: string }[];
}

/**
 * A haproxy.cfg as Debian ships it, trimmed to what the lesson needs: logs on stdout (so the sandbox shows them),
 * HTTP mode with `option httplog` (one line per request, which the goal checks read), explicit timeouts (HAProxy
 * warns without them) and one frontend, one backend and the stats page.
 */
export function haproxyCfg({ balance, options = [], servers }: BackendOptions): string {
  const lines = [
    'global',
    '    log stdout format raw local0 info',
    '',
    'defaults',
    '    log     global',
    '    mode    http',
    '    option  httplog',
    '    timeout connect 5s',
    '    timeout client  30s',
    '    timeout server  30s',
    '',
    'frontend fe_web',
    '    bind :80',
    '    default_backend be_app',
    '',
    'backend be_app',
    `    balance ${balance}`,
    ...options.map((o) => `    ${o}`),
    '    option httpchk GET /health',
    ...servers.map(({ node, params }) => `    server ${node.name} ${node.address}:80 ${params}`.trimEnd()),
    '',
    'listen stats',
    '    bind :8404',
    '    stats uri /',
    '',
  ];
  return lines.join('\n');
}
