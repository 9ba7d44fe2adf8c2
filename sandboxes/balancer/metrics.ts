// HAProxy's built-in Prometheus exporter (addons/promex), enabled as in real configs with
// `http-request use-service prometheus-exporter if { path /metrics }`: the same metric names, labels (`proxy`,
// `server`, `state`, `code`) and help texts, in the Prometheus text format. Status metrics are one-hot over their
// `state` label, as promex does (not a single numeric code).
import type { Backend, Counters, Server } from './backend';
import type { Frontend } from './frontend';

type Sample = [labels: Record<string, string>, value: number];
interface Family {
  name: string;
  type: 'gauge' | 'counter';
  help: string;
  samples: Sample[];
}

const CODES = ['1xx', '2xx', '3xx', '4xx', '5xx', 'other'];
const SERVER_STATES = ['DOWN', 'UP', 'MAINT', 'DRAIN', 'NOLB'];
const CHECK_STATES = [
  'HANA',
  'SOCKERR',
  'L4OK',
  'L4TOUT',
  'L4CON',
  'L6OK',
  'L6TOUT',
  'L6RSP',
  'L7TOUT',
  'L7RSP',
  'L7OK',
  'L7OKC',
  'L7STS',
  'PROCERR',
  'PROCTOUT',
  'PROCOK',
];

const responses = (labels: Record<string, string>, c: Counters): Sample[] =>
  CODES.map((code, i) => [{ ...labels, code }, c.hrsp[i]]);

function serverState(server: Server): string {
  if (server.admin === 'maint') return 'MAINT';
  if (!server.up()) return 'DOWN';
  return server.admin === 'drain' ? 'DRAIN' : 'UP';
}

export function metricsText(
  frontends: Frontend[],
  backends: Backend[],
  startedAt: number,
  connections: number,
): string {
  const fe = (f: Frontend) => ({ proxy: f.config.name });
  const be = (b: Backend) => ({ proxy: b.name });
  const servers = backends.flatMap((b) => b.servers);
  const sv = (s: Server) => ({ proxy: s.backend.name, server: s.name });
  const avg = (c: Counters) => {
    const n = c.hrsp.reduce((a, b) => a + b, 0);
    return n ? c.totalTime / n / 1000 : 0;
  };

  const families: Family[] = [
    {
      name: 'haproxy_process_uptime_seconds',
      type: 'gauge',
      help: 'How long ago this worker process was started (seconds)',
      samples: [[{}, Math.floor((Date.now() - startedAt) / 1000)]],
    },
    {
      name: 'haproxy_process_current_connections',
      type: 'gauge',
      help: 'Current number of connections on this worker process',
      samples: [[{}, connections]],
    },
    {
      name: 'haproxy_frontend_status',
      type: 'gauge',
      help: 'Current status of the service, per state label value.',
      samples: frontends.map((f) => [{ ...fe(f), state: 'UP' }, 1]),
    },
    {
      name: 'haproxy_frontend_current_sessions',
      type: 'gauge',
      help: 'Number of current sessions on the frontend, backend or server',
      samples: frontends.map((f) => [fe(f), f.conns]),
    },
    {
      name: 'haproxy_frontend_sessions_total',
      type: 'counter',
      help: 'Total number of sessions since process started',
      samples: frontends.map((f) => [fe(f), f.counters.stot]),
    },
    {
      name: 'haproxy_frontend_requests_denied_total',
      type: 'counter',
      help: 'Total number of denied requests since process started',
      samples: frontends.map((f) => [fe(f), f.denied]),
    },
    {
      name: 'haproxy_frontend_http_requests_total',
      type: 'counter',
      help: 'Total number of HTTP requests processed by this object since the worker process started',
      samples: frontends.map((f) => [fe(f), f.counters.hrsp.reduce((a, b) => a + b, 0)]),
    },
    {
      name: 'haproxy_frontend_http_responses_total',
      type: 'counter',
      help: 'Total number of HTTP responses with status 100-199 returned by this object since the worker process started',
      samples: frontends.flatMap((f) => responses(fe(f), f.counters)),
    },
    {
      name: 'haproxy_backend_status',
      type: 'gauge',
      help: 'Current status of the service, per state label value.',
      samples: backends.flatMap((b) =>
        ['DOWN', 'UP'].map((state): Sample => [{ ...be(b), state }, Number(b.status() === state)]),
      ),
    },
    {
      name: 'haproxy_backend_active_servers',
      type: 'gauge',
      help: 'Total number of active UP servers with a non-zero weight',
      samples: backends.map((b) => [be(b), b.counts().active]),
    },
    {
      name: 'haproxy_backend_backup_servers',
      type: 'gauge',
      help: 'Total number of backup UP servers with a non-zero weight',
      samples: backends.map((b) => [be(b), b.counts().backup]),
    },
    {
      name: 'haproxy_backend_current_sessions',
      type: 'gauge',
      help: 'Number of current sessions on the frontend, backend or server',
      samples: backends.map((b) => [be(b), b.active]),
    },
    {
      name: 'haproxy_backend_sessions_total',
      type: 'counter',
      help: 'Total number of sessions since process started',
      samples: backends.map((b) => [be(b), b.counters.stot]),
    },
    {
      name: 'haproxy_backend_current_queue',
      type: 'gauge',
      help: 'Number of current queued connections',
      samples: backends.map((b) => [be(b), b.queue.length]),
    },
    {
      name: 'haproxy_backend_http_requests_total',
      type: 'counter',
      help: 'Total number of HTTP requests processed by this object since the worker process started',
      samples: backends.map((b) => [be(b), b.counters.hrsp.reduce((a, c) => a + c, 0)]),
    },
    {
      name: 'haproxy_backend_http_responses_total',
      type: 'counter',
      help: 'Total number of HTTP responses with status 100-199 returned by this object since the worker process started',
      samples: backends.flatMap((b) => responses(be(b), b.counters)),
    },
    {
      name: 'haproxy_backend_connection_errors_total',
      type: 'counter',
      help: 'Total number of failed connections to server since the worker process started',
      samples: backends.map((b) => [be(b), b.counters.econ]),
    },
    {
      name: 'haproxy_backend_response_errors_total',
      type: 'counter',
      help: 'Total number of invalid responses since the worker process started',
      samples: backends.map((b) => [be(b), b.counters.eresp]),
    },
    {
      name: 'haproxy_backend_retry_warnings_total',
      type: 'counter',
      help: 'Total number of server connection retries since the worker process started',
      samples: backends.map((b) => [be(b), b.counters.wretr]),
    },
    {
      name: 'haproxy_backend_redispatch_warnings_total',
      type: 'counter',
      help: 'Total number of server redispatches due to connection failures since the worker process started',
      samples: backends.map((b) => [be(b), b.counters.wredis]),
    },
    {
      name: 'haproxy_backend_check_up_down_total',
      type: 'counter',
      help: 'Total number of failed checks causing UP to DOWN server transitions, per server/backend, since the worker process started',
      samples: backends.map((b) => [be(b), b.servers.reduce((n, s) => n + s.chkdown, 0)]),
    },
    {
      name: 'haproxy_backend_check_last_change_seconds',
      type: 'gauge',
      help: 'How long ago the last server state changed, in seconds',
      samples: backends.map((b) => [be(b), Math.floor((Date.now() - b.lastChange) / 1000)]),
    },
    {
      name: 'haproxy_backend_response_time_average_seconds',
      type: 'gauge',
      help: 'Avg. response time for last 1024 successful connections.',
      samples: backends.map((b) => [be(b), avg(b.counters)]),
    },
    {
      name: 'haproxy_backend_max_total_time_seconds',
      type: 'gauge',
      help: 'Maximum observed total request+response time (request+queue+connect+response+processing)',
      samples: backends.map((b) => [be(b), b.counters.maxTotalTime / 1000]),
    },
    {
      name: 'haproxy_server_status',
      type: 'gauge',
      help: 'Current status of the service, per state label value.',
      samples: servers.flatMap((s) =>
        SERVER_STATES.map((state): Sample => [{ ...sv(s), state }, Number(serverState(s) === state)]),
      ),
    },
    {
      name: 'haproxy_server_check_status',
      type: 'gauge',
      help: 'Status of last health check, per state label value.',
      samples: servers
        .filter((s) => s.health)
        .flatMap((s) =>
          CHECK_STATES.map((state): Sample => [{ ...sv(s), state }, Number(s.lastCheck?.status === state)]),
        ),
    },
    {
      name: 'haproxy_server_check_failures_total',
      type: 'counter',
      help: 'Total number of failed individual health checks per server/backend, since the worker process started',
      samples: servers.map((s) => [sv(s), s.chkfail]),
    },
    {
      name: 'haproxy_server_check_up_down_total',
      type: 'counter',
      help: 'Total number of failed checks causing UP to DOWN server transitions, per server/backend, since the worker process started',
      samples: servers.map((s) => [sv(s), s.chkdown]),
    },
    {
      name: 'haproxy_server_check_duration_seconds',
      type: 'gauge',
      help: 'Total duration of the latest server health check, in seconds.',
      samples: servers.filter((s) => s.lastCheck).map((s) => [sv(s), s.lastCheck!.duration / 1000]),
    },
    {
      name: 'haproxy_server_weight',
      type: 'gauge',
      help: "Server's effective weight, or sum of active servers' effective weights for a backend.",
      samples: servers.map((s) => [sv(s), s.weight]),
    },
    {
      name: 'haproxy_server_active',
      type: 'gauge',
      help: 'Total number of active UP servers with a non-zero weight',
      samples: servers.map((s) => [sv(s), Number(!s.backup)]),
    },
    {
      name: 'haproxy_server_backup',
      type: 'gauge',
      help: 'Total number of backup UP servers with a non-zero weight',
      samples: servers.map((s) => [sv(s), Number(s.backup)]),
    },
    {
      name: 'haproxy_server_current_sessions',
      type: 'gauge',
      help: 'Number of current sessions on the frontend, backend or server',
      samples: servers.map((s) => [sv(s), s.served]),
    },
    {
      name: 'haproxy_server_sessions_total',
      type: 'counter',
      help: 'Total number of sessions since process started',
      samples: servers.map((s) => [sv(s), s.counters.stot]),
    },
    {
      name: 'haproxy_server_http_responses_total',
      type: 'counter',
      help: 'Total number of HTTP responses with status 100-199 returned by this object since the worker process started',
      samples: servers.flatMap((s) => responses(sv(s), s.counters)),
    },
    {
      name: 'haproxy_server_connection_errors_total',
      type: 'counter',
      help: 'Total number of failed connections to server since the worker process started',
      samples: servers.map((s) => [sv(s), s.counters.econ]),
    },
    {
      name: 'haproxy_server_current_throttle',
      type: 'gauge',
      help: "Throttling ratio applied to a server's maxconn and weight during the slowstart period (0 to 100%)",
      samples: servers.map((s) => [sv(s), 100]),
    },
    {
      name: 'haproxy_server_loadbalanced_total',
      type: 'counter',
      help: 'Total number of requests routed by load balancing since the worker process started (ignores queue pop and stickiness)',
      samples: servers.map((s) => [sv(s), s.counters.lbtot]),
    },
  ];
  return families.map(render).join('');
}

function render(f: Family): string {
  const lines = [`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`];
  for (const [labels, value] of f.samples) {
    const text = Object.entries(labels)
      .map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\' + c))}"`)
      .join(',');
    lines.push(`${f.name}${text ? `{${text}}` : ''} ${value}`);
  }
  return lines.join('\n') + '\n';
}
