// `scan TARGET...`: a port scan "from the internet" (the learner's address, 203.0.113.10), reported as nmap does.
// A port is open (the connection was accepted), closed (refused: nothing listens, or a firewall rejects) or
// filtered (no answer within a second: a firewall drops). nmap probes the 1000 most common ports; this scan
// probes the well-known ports below plus every port a sandbox program listens on.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from '../../network/net';
import { wrap } from '../wrap';
import type { Command } from '../command';
import { nodeNames } from '../control-client';
import { waitForSandbox } from '../wait';
import { nodeAddress } from './ufw';

const SERVICES: Record<number, string> = {
  21: 'ftp',
  22: 'ssh',
  23: 'telnet',
  25: 'smtp',
  53: 'domain',
  80: 'http',
  110: 'pop3',
  112: 'vrrp',
  143: 'imap',
  443: 'https',
  3306: 'mysql',
  5432: 'postgresql',
  6379: 'redis',
  8080: 'http-proxy',
  8404: 'stats',
  9090: 'prometheus',
  9100: 'jetdirect',
  11211: 'memcache',
  27017: 'mongod',
};
const FILTERED_AFTER_MS = 1000;

type State = 'open' | 'closed' | 'filtered';

function probe(host: string, port: number): Promise<State> {
  return new Promise((resolve) => {
    const socket = connect(`${host}:${port}`);
    const done = (state: State) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(state);
    };
    const timer = setTimeout(() => done('filtered'), FILTERED_AFTER_MS);
    socket.once('connect', () => done('open'));
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code === 'ECONNREFUSED' ? 'closed' : 'filtered'));
  });
}

/** The ports to probe on a host: the well-known ones and those the sandbox's programs listen on. */
function portsFor(net: string, host: string): number[] {
  let listening: number[] = [];
  try {
    listening = readdirSync(join(net, 'ports'))
      .filter((f) => f.startsWith(`${host}_`))
      .map((f) => Number(f.slice(host.length + 1)));
  } catch {
    // no node has listened yet
  }
  return [...new Set([...Object.keys(SERVICES).map(Number), ...listening])]
    .filter(Number.isInteger)
    .sort((a, b) => a - b);
}

/** nmap's report for one host. */
export function report(host: string, results: [number, State][]): string {
  const counts = { closed: 0, filtered: 0 };
  for (const [, state] of results) if (state !== 'open') counts[state] += 1;
  // nmap hides the most common uninteresting state and summarises it in a "Not shown" line.
  const hidden: 'closed' | 'filtered' = counts.filtered > counts.closed ? 'filtered' : 'closed';
  const reason = hidden === 'closed' ? 'conn-refused' : 'no-response';
  const shown = results.filter(([, state]) => state !== hidden);
  const lines = [`Nmap scan report for ${host}`];
  if (shown.length === 0) {
    lines.push(
      `All ${results.length} scanned ports on ${host} are in ignored states.`,
      `Not shown: ${results.length} ${hidden} tcp ports (${reason})`,
    );
    return lines.join('\n');
  }
  if (counts[hidden] > 0) lines.push(`Not shown: ${counts[hidden]} ${hidden} tcp ports (${reason})`);
  lines.push(`${'PORT'.padEnd(9)}${'STATE'.padEnd(9)}SERVICE`);
  for (const [port, state] of shown)
    lines.push(`${`${port}/tcp`.padEnd(9)}${state.padEnd(9)}${SERVICES[port] ?? 'unknown'}`);
  return lines.join('\n');
}

export const scan: Command = {
  name: 'scan',
  summary: 'scan ports, as nmap does',
  usage: [
    'usage: scan [-p PORT,PORT...] TARGET...',
    '',
    'Probes TCP ports of each TARGET (a node name or address) from your machine (203.0.113.10, the internet):',
    '  open      something accepted the connection',
    '  closed    the host refused it (nothing listens there, or a firewall rule rejects)',
    '  filtered  no answer within 1 s (a firewall drops it)',
    'Examples:',
    '  scan 10.0.0.2',
    '  scan -p 80,443,8404 lb-01 web-01',
  ].join('\n'),
  async run(args, io) {
    const control = await waitForSandbox(io);
    const ports: number[] = [];
    const targets: string[] = [];
    for (let i = 0; i < args.length; i++) {
      if (args[i] === '-p') {
        for (const p of (args[++i] ?? '').split(',')) {
          if (!/^\d+$/.test(p) || Number(p) < 1 || Number(p) > 65535) {
            io.err(`scan: bad port '${p}' in -p: use numbers from 1 to 65535, separated by commas (-p 80,443)\n`);
            return 2;
          }
          ports.push(Number(p));
        }
      } else targets.push(args[i]);
    }
    if (targets.length === 0) {
      io.err(`${wrap(this.usage, io.columns)}\n`);
      return 2;
    }
    const started = performance.now();
    io.out(`Starting scan from ${control.client}\n`);
    for (const target of targets) {
      let host: string;
      try {
        host = await nodeAddress(io, target);
      } catch (error) {
        io.err(`scan: ${(error as Error).message}\n`);
        return 1;
      }
      const list = ports.length ? ports : portsFor(control.net, host);
      const results = await Promise.all(list.map(async (port) => [port, await probe(host, port)] as [number, State]));
      io.out(`${report(host, results)}\n\n`);
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    io.out(`Scan done: ${targets.length} IP address${targets.length > 1 ? 'es' : ''} scanned in ${seconds} seconds\n`);
    return 0;
  },
  complete: (args, io) => (args.length >= 1 ? nodeNames(io.session) : []),
};
