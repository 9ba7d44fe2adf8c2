// The keywords of haproxy.cfg, sorted by what the sandbox does with them: implemented, or known to HAProxy and
// accepted with a "not supported by this sandbox" warning. Anything else is an error, as in HAProxy.
import type { Algorithm, Timeouts } from './config';

export const ALGORITHMS: Algorithm[] = ['roundrobin', 'static-rr', 'leastconn', 'source'];
// Algorithms HAProxy has that the sandbox does not: accepted, with a warning, as roundrobin.
export const OTHER_ALGORITHMS = ['first', 'random', 'uri', 'url_param', 'hash', 'rdp-cookie', 'hdr'];

export const TIMEOUT_NAMES = ['client', 'server', 'connect', 'check', 'queue', 'http-keep-alive', 'http-request', 'tarpit', 'tunnel', 'client-fin', 'server-fin'];
export const SUPPORTED_TIMEOUTS: (keyof Timeouts)[] = ['connect', 'client', 'server', 'queue', 'check'];

// Options the sandbox implements, and the ones HAProxy has that it accepts with a warning.
export const OPTIONS = ['httplog', 'dontlognull', 'redispatch', 'httpchk', 'forwardfor', 'allbackups', 'log-health-checks'];
export const OTHER_OPTIONS = [
  'tcplog', 'httpclose', 'http-server-close', 'http-keep-alive', 'http-buffer-request', 'abortonclose', 'tcp-check',
  'ssl-hello-chk', 'mysql-check', 'pgsql-check', 'redis-check', 'smtpchk', 'ldap-check', 'log-separate-errors',
  'logasap', 'splice-auto', 'tcpka', 'clitcpka', 'srvtcpka', 'persist', 'prefer-last-server', 'http-ignore-probes',
  'http-use-htx', 'nolinger', 'socket-stats', 'originalto', 'contstats', 'independent-streams', 'checkcache',
];

// Keywords of proxy sections that HAProxy accepts and the sandbox ignores (with a warning).
export const OTHER_PROXY_KEYWORDS = [
  'maxconn', 'fullconn', 'errorfile', 'errorfiles', 'use_backend', 'hash-type', 'cookie', 'acl', 'tcp-request', 'tcp-response', 'stick', 'capture', 'compression',
  'description', 'id', 'disabled', 'enabled', 'monitor-uri', 'redirect', 'rate-limit', 'unique-id-format',
  'unique-id-header', 'log-format', 'log-tag', 'backlog', 'email-alert', 'errorloc', 'errorloc302', 'errorloc303',
  'force-persist', 'ignore-persist', 'persist', 'server-template', 'load-server-state-from-file', 'max-keep-alive-queue',
  'http-reuse', 'filter', 'declare', 'use-server', 'dynamic-cookie-key', 'external-check', 'source', 'http-error',
  'http-send-name-header', 'tcp-check', 'grace',
];

export const GLOBAL_KEYWORDS = ['log', 'stats', 'maxconn', 'daemon', 'master-worker', 'nbthread', 'nbproc', 'user', 'group', 'uid', 'gid',
  'chroot', 'pidfile', 'ulimit-n', 'ca-base', 'crt-base', 'ssl-default-bind-ciphers', 'ssl-default-bind-ciphersuites',
  'ssl-default-bind-options', 'ssl-default-server-ciphers', 'ssl-default-server-ciphersuites', 'ssl-default-server-options',
  'ssl-dh-param-file', 'tune.ssl.default-dh-param', 'spread-checks', 'node', 'description', 'hard-stop-after',
  'log-send-hostname', 'log-tag', 'cpu-map', 'server-state-file', 'server-state-base', 'setenv', 'presetenv', 'lua-load',
  'insecure-fork-wanted', 'expose-experimental-directives', 'localpeer', 'h1-case-adjust', 'tune.bufsize', 'tune.maxrewrite'];

export const SERVER_FLAGS = ['check', 'backup', 'disabled'] as const;
export const SERVER_TIMES = ['inter', 'fastinter', 'downinter'] as const;
export const SERVER_COUNTS = ['fall', 'rise', 'weight', 'maxconn'] as const;
// Server keywords HAProxy accepts that the sandbox ignores; those followed by an argument take it along.
export const OTHER_SERVER_WITH_ARG = ['slowstart', 'maxqueue', 'on-error', 'on-marked-down', 'on-marked-up', 'error-limit',
  'observe', 'cookie', 'port', 'addr', 'id', 'crt', 'ca-file', 'verify', 'sni', 'alpn', 'agent-port', 'agent-inter',
  'agent-addr', 'agent-send', 'resolvers', 'resolve-prefer', 'init-addr', 'track', 'source', 'pool-max-conn',
  'pool-purge-delay', 'minconn', 'proto', 'send-proxy-v2-options', 'check-sni', 'init-state', 'redir'];
export const OTHER_SERVER_FLAGS = ['ssl', 'send-proxy', 'send-proxy-v2', 'check-ssl', 'agent-check', 'no-check', 'enabled',
  'non-stick', 'no-ssl', 'check-send-proxy', 'tfo', 'allow-0rtt', 'no-backup'];

