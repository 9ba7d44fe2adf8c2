// `metrics`: what a node exposes for Prometheus, and what the monitor made of it.
//   metrics NODE [NAME]        the node's /metrics page (only the metrics whose name contains NAME)
//   metrics query 'EXPR'       a PromQL query on the monitor (Prometheus's /api/v1/query)
//   metrics alerts             the monitor's pending and firing alerts (/api/v1/alerts)
import http from 'node:http';
import type { NodeStatus } from '../../contracts/commands';
import { connect } from '../../network/net';
import { wrap } from '../wrap';
import type { Command, CommandIO } from '../command';
import { nodeNames, status } from '../control-client';
import { waitForSandbox } from '../wait';

function get(address: string, path: string, signal: AbortSignal): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { path, headers: { host: address }, createConnection: () => connect(address), signal },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`no answer from ${address} within 3 s`)), 3000);
    req.on('close', () => clearTimeout(timer));
    req.on('error', reject);
  });
}

/** The monitor's API, or an error that says what is missing. */
async function monitorApi(io: CommandIO, path: string): Promise<unknown> {
  const nodes = (await status(io)).nodes;
  const monitor = nodes.find((n) => n.program === 'monitor');
  if (!monitor) throw new Error('this scenario has no Prometheus-like monitor (a node running monitor.js)');
  const { status: code, body } = await get(`${monitor.address}:9090`, path, io.signal);
  const answer = JSON.parse(body) as { status: string; error?: string; data: unknown };
  if (code !== 200) throw new Error(answer.error ?? `HTTP ${code}`);
  return answer.data;
}

async function nodePage(io: CommandIO, node: NodeStatus, filter?: string): Promise<string> {
  // A dedicated exporter port (HAProxy's :8404, postgres_exporter's :9187) first: on a balancer, :80/metrics is
  // proxied to a web server and would show that server's metrics instead.
  const ports = [...node.ports].sort((a, b) => Number(a === 80 || a === 443) - Number(b === 80 || b === 443));
  for (const port of ports) {
    try {
      const { status: code, body } = await get(`${node.address}:${port}`, '/metrics', io.signal);
      if (code === 200 && body.includes('# TYPE')) {
        return filter
          ? body
              .split('\n')
              .filter((line) => line.split(/[ {]/)[line.startsWith('#') ? 2 : 0]?.includes(filter))
              .join('\n') + '\n'
          : body;
      }
    } catch {
      // try the next port
    }
  }
  throw new Error(
    `${node.name} exposes no metrics on ${node.ports.map((p) => `:${p}/metrics`).join(', ') || 'any port'} (is it running?)`,
  );
}

export const metrics: Command = {
  name: 'metrics',
  summary: 'metrics, queries, alerts',
  usage: [
    'usage: metrics NODE [NAME]       the metrics NODE exposes (only those whose name contains NAME)',
    '       metrics query EXPR        evaluate a PromQL expression on the monitor, e.g. metrics query "up == 0"',
    "       metrics alerts            the monitor's pending and firing alerts",
  ].join('\n'),
  async run(args, io) {
    const [first, ...rest] = args;
    if (!first) {
      io.err(`${wrap(this.usage, io.columns)}\n`);
      return 2;
    }
    await waitForSandbox(io);
    try {
      if (first === 'query') {
        if (rest.length === 0) throw new Error('metrics query needs an expression, e.g. metrics query "up == 0"');
        const data = (await monitorApi(io, `/api/v1/query?query=${encodeURIComponent(rest.join(' '))}`)) as {
          result: { metric: Record<string, string>; value: [number, string] }[];
        };
        if (data.result.length === 0) io.out('(empty result: no series match)\n');
        for (const { metric, value } of data.result) {
          const { __name__: name = '', ...labels } = metric;
          io.out(
            `${name}{${Object.entries(labels)
              .map(([k, v]) => `${k}="${v}"`)
              .join(', ')}} ${value[1]}\n`,
          );
        }
      } else if (first === 'alerts') {
        const { alerts } = (await monitorApi(io, '/api/v1/alerts')) as {
          alerts: {
            labels: Record<string, string>;
            state: string;
            activeAt: string;
            value: string;
            annotations: Record<string, string>;
          }[];
        };
        if (alerts.length === 0) io.out('no alerts pending or firing\n');
        for (const a of alerts) {
          const { alertname, ...labels } = a.labels;
          io.out(
            `${a.state.toUpperCase().padEnd(8)} ${alertname} ${JSON.stringify(labels)} since ${a.activeAt.slice(11, 19)} value=${a.value}${a.annotations.summary ? `  ${a.annotations.summary}` : ''}\n`,
          );
        }
      } else {
        const node = (await status(io)).nodes.find((n) => n.name === first || n.address === first);
        if (!node) throw new Error(`no node named '${first}'`);
        io.out(await nodePage(io, node, rest[0]));
      }
      return 0;
    } catch (error) {
      io.err(`metrics: ${(error as Error).message}\n`);
      return 1;
    }
  },
  complete: async (args, io) => (args.length === 1 ? ['query', 'alerts', ...(await nodeNames(io.session))] : []),
};
