// The runtime API: HAProxy's text protocol on the stats socket (`stats socket ipv4@127.0.0.1:9999 level admin`).
// A client sends one line, commands separated by `;`, and reads the answers until the connection closes, as
// `echo "show stat" | socat stdio tcp4-connect:127.0.0.1:9999` does. `prompt` keeps the connection open with a
// `> ` prompt. A command that changes state answers with an empty line; errors answer with HAProxy's sentence.
import net from 'node:net';
import type { Backend, Server, Admin } from './backend';
import { closest } from '../shared/suggest';
import type { StickTable } from './ratelimit';
import { statCsv, type StatsProxy } from './stats';

export interface RuntimeTarget {
  backends: Map<string, Backend>;
  tables: Map<string, StickTable>;
  statsProxies(): StatsProxy[];
  startedAt: number;
  connections(): number;
  /** Re-reads the configuration file; resolves with whether it was applied and HAProxy's messages. */
  reload(): Promise<{ ok: boolean; messages: string[] }>;
}

const COMMANDS = [
  ['help [<command>]', 'list matching or all commands'],
  ['prompt', 'toggle interactive mode with prompt'],
  ['quit', 'disconnect'],
  ['show info', 'report information about the running process'],
  ['show stat', 'report counters for each proxy and server'],
  ['show servers state [<backend>]', 'dump volatile server information (all or for a single backend)'],
  ['show table [<table>]', "report table usage stats or dump this table's contents"],
  ['disable server (DEPRECATED)', "disable a server for maintenance (use 'set server' instead)"],
  ['enable server  (DEPRECATED)', "enable a disabled server (use 'set server' instead)"],
  ['set server <bk>/<srv> [opts]', "change a server's state, weight"],
  ['set weight <bk>/<srv>  (DEPRECATED)', "change a server's weight (use 'set server' instead)"],
  ['get weight <bk>/<srv>', "report a server's current weight"],
  ['reload', 'reload the configuration (as SIGUSR2 does)'],
];
const helpLine = ([cmd, text]: string[]) => `  ${cmd.padEnd(40)}: ${text}\n`;
const HELP = COMMANDS.map(helpLine).join('');

/** HAProxy's answer to an unknown command: the closest commands if some are close, else all of them. */
function unknown(line: string): string {
  const typed = line.trim().split(/\s+/).slice(0, 2).join(' ');
  const names = COMMANDS.map(([cmd]) => cmd.split(/ [<[(]/)[0].trim());
  const near = closest(typed, names);
  if (near.length === 0) return 'Unknown command. Please enter one of the following commands only:\n' + HELP;
  return (
    'Unknown command, but maybe one of the following ones is a better match:\n' +
    COMMANDS.filter((_, i) => near.includes(names[i]))
      .map(helpLine)
      .join('')
  );
}

/** Runs one command line (without the `;` separators) and returns its answer, without the final empty line. */
export async function runCommand(line: string, target: RuntimeTarget): Promise<string> {
  const args = line.trim().split(/\s+/);
  const [a] = args;
  const is = (...words: string[]) => words.every((w, i) => args[i] === w);

  if (is('help')) return 'The following commands are valid at this level:\n' + HELP;
  if (is('show', 'stat')) return statCsv(target.statsProxies()).replace(/\n$/, '');
  if (is('show', 'info')) return info(target);
  if (is('show', 'servers', 'state')) return serversState(target, args[3]);
  if (is('show', 'table')) {
    if (!args[2]) return [...target.tables.values()].map((t) => t.show(false)).join('');
    const table = target.tables.get(args[2]);
    return table ? table.show(true) : 'No such table\n';
  }
  if (is('reload')) {
    const { ok, messages } = await target.reload();
    return `Success=${ok ? 1 : 0}\n--\n${messages.map((m) => m + '\n').join('')}`;
  }
  if (is('disable', 'server') || is('enable', 'server')) {
    return withServer(target, args[2], (server) =>
      server.backend.setAdmin(server, a === 'disable' ? 'maint' : 'ready'),
    );
  }
  if (is('set', 'server')) {
    const [, , id, what, value] = args;
    if (what === 'state') {
      if (!['ready', 'drain', 'maint'].includes(value ?? ''))
        return "'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n";
      return withServer(target, id, (server) => server.backend.setAdmin(server, value as Admin));
    }
    if (what === 'weight') return withServer(target, id, (server) => setWeight(server, value));
    return 'usage: set server <backend>/<server> addr | agent | agent-addr | agent-port | agent-send | check-addr | check-port | fqdn | health | ssl | state | weight\n';
  }
  if (is('set', 'weight')) return withServer(target, args[2], (server) => setWeight(server, args[3]));
  if (is('get', 'weight'))
    return withServer(target, args[2], (server) => `${server.weight} (initial ${server.initialWeight})\n`);
  return unknown(line);
}

/** Finds `backend/server` and runs `action`; HAProxy's answers when it is missing or unknown. */
function withServer(target: RuntimeTarget, id: string | undefined, action: (server: Server) => string | void): string {
  if (!id || !id.includes('/')) return "Require 'backend/server'.\n";
  const [backendName, serverName] = id.split('/');
  const backend = target.backends.get(backendName);
  if (!backend) return 'No such backend.\n';
  const server = backend.servers.find((s) => s.name === serverName);
  if (!server) return 'No such server.\n';
  return action(server) ?? '';
}

/** `set weight` rules (src/server.c): 0-256, or a percentage of the initial weight; static algorithms only 0 or 100%. */
function setWeight(server: Server, value: string | undefined): string | void {
  if (!value) return 'Require <weight>.\n';
  const percent = value.endsWith('%');
  const number = Number(percent ? value.slice(0, -1) : value);
  if (!Number.isInteger(number) || number < 0)
    return percent
      ? 'Relative weight must be positive.\n'
      : 'Absolute weight can only be between 0 and 256 inclusive.\n';
  const weight = percent ? Math.floor((server.initialWeight * number) / 100) : number;
  if (!percent && weight > 256) return 'Absolute weight can only be between 0 and 256 inclusive.\n';
  const statik = server.backend.config.balance === 'static-rr' || server.backend.config.balance === 'source';
  if (statik && weight !== 0 && weight !== server.initialWeight) {
    return "Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.\n";
  }
  server.backend.setWeight(server, weight);
}

function info(target: RuntimeTarget): string {
  const up = Math.floor((Date.now() - target.startedAt) / 1000);
  const uptime = `${Math.floor(up / 86400)}d ${Math.floor((up % 86400) / 3600)}h${String(Math.floor((up % 3600) / 60)).padStart(2, '0')}m${String(up % 60).padStart(2, '0')}s`;
  return (
    [
      'Name: HAProxy',
      'Version: 2.6.12-sandbox',
      `Pid: ${process.pid}`,
      `Uptime: ${uptime}`,
      `Uptime_sec: ${up}`,
      'Nbthread: 1',
      `CurrConns: ${target.connections()}`,
      'Node: sandbox',
    ].join('\n') + '\n'
  );
}

/** `show servers state`: HAProxy's version-1 dump (op_state 0 = stopped, 2 = running; admin_state 1 = MAINT, 8 = DRAIN). */
function serversState(target: RuntimeTarget, only?: string): string {
  const backends = [...target.backends.values()].filter((b) => !only || b.name === only);
  if (only && backends.length === 0) return "Can't find backend.\n";
  const lines = [
    '1',
    '# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port',
  ];
  const allBackends = [...target.backends.values()];
  for (const backend of backends) {
    backend.servers.forEach((s, i) => {
      const [host, port] = [
        s.address.slice(0, s.address.lastIndexOf(':')),
        s.address.slice(s.address.lastIndexOf(':') + 1),
      ];
      const admin = s.admin === 'maint' ? 1 : s.admin === 'drain' ? 8 : 0;
      const checkResult = !s.health ? 0 : !s.lastCheck ? 1 : s.lastCheck.passed ? 3 : 2;
      const since = Math.floor((Date.now() - s.lastChange) / 1000);
      lines.push(
        `${allBackends.indexOf(backend) + 1} ${backend.name} ${i + 1} ${s.name} ${host} ${s.up() ? 2 : 0} ${admin} ${s.weight} ${s.initialWeight} ${since} ${s.health ? 6 : 1} ${checkResult} ${s.health?.health ?? 0} ${s.health ? 6 : 0} 0 0 0 - ${port} - 0 0 - - 0`,
      );
    });
  }
  return lines.join('\n') + '\n';
}

/** Serves the runtime API on one socket: each connection reads a line, answers, and closes (unless `prompt`). */
export function createRuntimeServer(target: () => RuntimeTarget): net.Server {
  return net.createServer((socket) => {
    let interactive = false;
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('error', () => socket.destroy());
    // Lines are answered one after another, in order (a `reload` takes a moment to check its file).
    let answering = Promise.resolve();
    const answer = async (line: string) => {
      if (socket.writableEnded) return;
      for (const command of line
        .split(';')
        .map((c) => c.trim())
        .filter(Boolean)) {
        if (command === 'prompt') {
          interactive = !interactive;
          continue;
        }
        if (command === 'quit') return void socket.end();
        const text = await runCommand(command, target());
        if (!socket.writableEnded) socket.write(text + '\n');
      }
      if (!interactive) return void socket.end();
      socket.write('> ');
    };
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline).replace(/\r$/, '');
        buffer = buffer.slice(newline + 1);
        answering = answering.then(() => answer(line));
      }
    });
  });
}
