// One readable sentence per event: the event log's lines and the screen reader's narration of the picture. Lines
// the programs log in their real tool's words (HAProxy, keepalived, PostgreSQL) are shown as they are; the
// supervisor's own events are put into plain English.
import type { SandboxEvent } from '../../../sandboxes/contracts/events/index';
import { healthFromLog } from './health-log';
import { formatLsn } from '../../../sandboxes/contracts/lsn';

export type Category = 'process' | 'network' | 'health' | 'check' | 'request' | 'data' | 'goal' | 'tool';

export interface LogLine {
  seq: number;
  time: number;
  node: string;
  category: Category;
  /** Lines that deserve attention (a node down, an error) are announced more firmly and marked in the log. */
  level: 'info' | 'warning' | 'error';
  text: string;
}

export const CATEGORIES: { id: Category; label: string }[] = [
  { id: 'process', label: 'Processes' },
  { id: 'network', label: 'Network' },
  { id: 'health', label: 'Health (UP/DOWN)' },
  { id: 'request', label: 'Requests' },
  { id: 'check', label: 'Health check requests' },
  { id: 'data', label: 'Database' },
  { id: 'goal', label: 'Exercises' },
  { id: 'tool', label: 'Tool logs' },
];

/** How a node ended, from what the supervisor did to it (a WebContainer does not report exit signals). */
const exitText = ({ cause, code, signal }: Extract<SandboxEvent, { type: 'node.exited' }>) =>
  cause === 'killed'
    ? 'killed by SIGKILL'
    : cause === 'stopped'
      ? 'stopped on request'
      : signal
        ? `killed by ${signal}`
        : code === 0
          ? 'exited normally'
          : `exited with code ${code}`;

/** HAProxy's httplog line: `10.0.0.5:41234 [25/Nov/2026:14:00:00.000] fe_web be_app/web-01 0/0/1/2/3 200 ...`. */
const HTTPLOG = /^\S+:\d+ \[[^\]]+\] \S+ \S+\/\S+ -?\d+\/-?\d+\/-?\d+\/-?\d+\/-?\d+ \d{3} /;

/**
 * The paths the sandbox's own probes ask for: the balancers' `option httpchk GET /health` and the monitor's scrapes
 * of /metrics. One of each per server every second or so: kept apart from the requests, whose order a lesson reads.
 */
const CHECK_PATHS = new Set(['/health', '/metrics']);

/** A client report in words, when the clients saw failures (the balancer logs every answered request itself). */
function clientFailures(event: Extract<SandboxEvent, { type: 'client.requests' }>): string | undefined {
  const failures = [
    event.answered['5xx'] && `${event.answered['5xx']} answered with 5xx`,
    event.refused && `${event.refused} refused (connection refused)`,
    event.timed_out && `${event.timed_out} timed out`,
    event.reset && `${event.reset} reset by peer`,
    event.other && `${event.other} failed otherwise`,
  ].filter(Boolean);
  if (!failures.length) return undefined;
  return `The clients sent ${event.sent} requests to ${event.url} in ${(event.interval_ms / 1000).toFixed(1)} s: ${failures.join(', ')}.`;
}

const end = (name: string) => (name === '*' ? 'every node' : name);

export function describe(event: SandboxEvent): LogLine | undefined {
  const line = (category: Category, text: string, level: LogLine['level'] = 'info'): LogLine => ({
    seq: event.seq,
    time: event.time,
    node: event.node,
    category,
    level,
    text,
  });
  switch (event.type) {
    case 'scenario':
      return line(
        'process',
        `Scenario "${event.title}" starts: ${event.nodes.map((n) => `${n.name} (${n.address})`).join(', ')}.`,
      );
    case 'ready':
      return line('process', 'The sandbox is ready for commands.');
    case 'node.started':
      return line('process', `${event.name} started on ${event.address}.`);
    case 'node.exited':
      return line(
        'process',
        `${event.name} ${event.state === 'crashed' ? 'crashed' : 'stopped'}: ${exitText(event)}.`,
        event.state === 'crashed' || event.cause === 'killed' ? 'error' : 'warning',
      );
    case 'node.frozen':
      return line('process', `${event.name} is frozen: its sockets stay open but it answers nothing.`, 'warning');
    case 'node.resumed':
      return line('process', `${event.name} resumed and answers again.`);
    case 'node.reloaded':
      return line('process', `${event.name} re-read ${event.files.join(' and ')}.`);
    case 'link.cut':
      return line(
        'network',
        `The link between ${end(event.a)} and ${end(event.b)} is cut: packets across it are lost.`,
        'warning',
      );
    case 'link.healed':
      return line('network', `The link between ${end(event.a)} and ${end(event.b)} is healed.`);
    case 'goal':
      // Goal titles are sentences with their own full stop.
      return line(
        'goal',
        event.met ? `Exercise done: ${event.title}` : `Exercise to do: ${event.title} So far: ${event.observed}.`,
      );
    case 'supervisor.reply':
      return event.ok ? undefined : line('process', `Command refused: ${event.error}`, 'warning');
    case 'web.listening':
      return line('process', `${event.node} listens on ${event.address}:${event.port}.`);
    case 'web.behaviour': {
      const how = [
        event.frozen && 'frozen (never answers)',
        event.slow_ms > 0 && `slow (+${event.slow_ms} ms)`,
        event.flaky > 0 && `flaky (${Math.round(event.flaky * 100)}% errors)`,
      ].filter(Boolean);
      return line(
        'process',
        `${event.node} now behaves ${how.length ? how.join(', ') : 'normally'}.`,
        how.length ? 'warning' : 'info',
      );
    }
    case 'web.request':
      return line(
        CHECK_PATHS.has(event.path) ? 'check' : 'request',
        `${event.node} answered ${event.method} ${event.path} from ${event.client} with ${event.status} in ${event.duration_ms} ms.`,
        event.status >= 500 ? 'error' : 'info',
      );
    case 'vrrp.state':
      return line(
        'network',
        `${event.node} is ${event.state} for ${event.instance} (priority ${event.priority})${event.state === 'MASTER' && event.vips.length ? `: it holds ${event.vips.join(', ')}` : ''}.`,
        event.state === 'FAULT' ? 'error' : 'info',
      );
    case 'firewall.block':
      return line(
        'network',
        `The firewall of ${event.node} ${event.action === 'DROP' ? 'dropped' : event.action === 'REJECT' ? 'rejected' : 'rate-limited'} a connection from ${event.source} to ${event.destination}.`,
        'warning',
      );
    case 'monitor.alert':
      return line(
        'health',
        `Alert ${event.alertname} is ${event.state}: ${event.summary}`,
        event.state === 'firing' ? 'error' : event.state === 'pending' ? 'warning' : 'info',
      );
    case 'store.ready':
      return line(
        'data',
        `${event.node} is ready as ${event.role} on timeline ${event.timeline}, log at ${formatLsn(event.lsn)} (${event.mode}).`,
      );
    case 'store.write':
      return line(
        'data',
        `${event.node} committed ${event.op} ${event.key} at ${formatLsn(event.lsn)} (${event.mode}, ${event.wait_ms} ms).`,
      );
    case 'store.refused':
      return line(
        'data',
        event.reason === 'read-only'
          ? `${event.node} refused ${event.op} ${event.key}: ERROR:  cannot execute ${event.op.toUpperCase()} in a read-only transaction`
          : `${event.node} refused ${event.op} ${event.key}: it is fenced (no longer the primary).`,
        'warning',
      );
    case 'store.replication':
      return undefined; // several a second per replica: the topology's bars and the lag chart show them
    case 'store.semisync':
      return line(
        'data',
        event.status === 'OFF'
          ? `${event.node}: semi-sync switched OFF, commits no longer wait for a replica.`
          : `${event.node}: semi-sync switched back ON.`,
        event.status === 'OFF' ? 'warning' : 'info',
      );
    case 'store.promote':
      return line(
        'data',
        `${event.node} was promoted: selected new timeline ID: ${event.timeline} (the old one ended at ${formatLsn(event.lsn)}).`,
        'warning',
      );
    case 'store.fenced':
      return line(
        'data',
        `${event.node} is fenced: it refuses writes (${event.reason === 'lease-expired' ? 'its lease expired' : `a newer timeline ${event.timeline} exists${event.primary ? ` on ${event.primary}` : ''}`}).`,
        'warning',
      );
    case 'store.rewind':
      return line(
        'data',
        `${event.node} rewound to rejoin: servers diverged at WAL location ${formatLsn(event.diverged_at)}; ${event.discarded_records} records (${event.discarded_bytes} bytes) discarded.`,
        'warning',
      );
    case 'store.wal-truncated':
      return line(
        'data',
        `${event.node} found a damaged log record at ${formatLsn(event.at)} (${event.reason}) and truncated ${event.discarded_bytes} bytes.`,
        'error',
      );
    case 'store.follow':
      return line('data', `${event.node} now streams WAL from ${event.primary}.`);
    case 'store.primary-down':
      return line(
        'data',
        `The monitor declared primary ${event.primary} down after ${event.misses} missed heartbeats (${event.detection_ms} ms).`,
        'error',
      );
    case 'store.failover':
      return line(
        'data',
        event.to
          ? `Failover: ${event.to} replaces ${event.from} as primary on timeline ${event.timeline}, ${event.duration_ms} ms after detection.`
          : `Failover from ${event.from} failed: ${event.reason}.`,
        event.to ? 'warning' : 'error',
      );
    case 'store.split-brain':
      return line('data', `Split brain: ${event.primaries.join(' and ')} all accept writes.`, 'error');
    case 'client.requests': {
      const text = clientFailures(event);
      return text === undefined ? undefined : line('request', text, 'error');
    }
    case 'balancer.request':
      return undefined; // the balancer logs it as HAProxy's httplog line (a `log` event), shown as it is
    case 'balancer.server':
      // Transitions are logged by the balancer in HAProxy's words; a check that only moves the counter is not
      // logged without `option log-health-checks`, so it is told here.
      return event.transition || !event.check
        ? undefined
        : line(
            'health',
            `Health check of ${event.backend}/${event.server}: ${event.check.description}${event.check.info ? ` ("${event.check.info}")` : ''}, now ${event.status}.`,
            event.status.startsWith('UP ') ? 'warning' : 'info',
          );
    case 'balancer.backend':
      return event.available
        ? line(
            'health',
            `Backend ${event.backend} has a server again (${event.active} active, ${event.backup} backup).`,
          )
        : undefined;
    case 'balancer.reload':
      return line(
        'process',
        event.ok
          ? `${event.node} reloaded its configuration.${event.messages.length ? ' ' + event.messages.join(' ') : ''}`
          : `${event.node} refused the new configuration: ${event.messages.join(' ')}`,
        event.ok ? 'info' : 'error',
      );
    case 'balancer.listening':
      return line(
        'process',
        `${event.node} listens: ${event.frontends.map((f) => `${f.name} on ${f.address}`).join(', ')}.`,
      );
    case 'log': {
      if (HTTPLOG.test(event.text))
        return line('request', event.text, event.text.includes('<NOSRV>') ? 'error' : 'info');
      const health = healthFromLog(event.text);
      const level =
        event.level === 'info' || event.level === 'notice' ? 'info' : event.level === 'warning' ? 'warning' : 'error';
      return line(health ? 'health' : 'tool', event.text, health?.check === 'DOWN' ? 'error' : level);
    }
    default:
      return undefined;
  }
}
