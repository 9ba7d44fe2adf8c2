// `infra`: the learner's hands on the machines. Each sub-command is one supervisor command (see
// ../../contracts/commands.ts); the supervisor does the real thing (SIGKILL, a freeze the node confirms, a cut link).
import {
  describeExit,
  type Command as SupervisorCommand,
  type NodeStatus,
  type Status,
} from '../../contracts/commands';
import type { Command, CommandIO } from '../command';
import { durationMs } from '../../shared/duration';
import { didYouMean } from '../../shared/suggest';
import { nodeNames, send, status } from '../control-client';
import { parseCount, parseDuration } from '../../web/behaviour';
import { describeCapacity } from '../../web/capacity';

interface Action {
  usage: string;
  help: string;
  /** Accepts `--in DURATION` (the supervisor's after_ms). */
  later?: boolean;
  /** Builds the supervisor command from the words after the sub-command, or returns a usage error or an answer. */
  build(words: string[], nodes: NodeStatus[]): SupervisorCommand | string | { answer: string };
}

const onNode = (cmd: 'start' | 'kill' | 'freeze' | 'resume' | 'restart', help: string): Action => ({
  usage: `infra ${cmd} NODE`,
  help,
  later: true,
  build: ([node, ...rest], nodes) =>
    node && rest.length === 0 ? (checkNode(node, nodes) ?? { cmd, node }) : `usage: infra ${cmd} NODE`,
});

const onLink = (cmd: 'cut' | 'heal', help: string): Action => ({
  usage: `infra ${cmd} A B`,
  help,
  later: true,
  build: ([a, b, ...rest], nodes) => {
    if (!a || !b || rest.length) return `usage: infra ${cmd} A B (two node names or addresses, or * for every node)`;
    return checkEnd(a, nodes) ?? checkEnd(b, nodes) ?? { cmd, a, b };
  },
});

const ACTIONS: Record<string, Action> = {
  kill: onNode('kill', 'kill a node with SIGKILL, as kill -9 (no goodbye: its connections are reset)'),
  start: onNode('start', 'start a stopped or crashed node'),
  restart: onNode('restart', 'stop a node gracefully (SIGKILL after 2 s) and start it again'),
  freeze: onNode(
    'freeze',
    'freeze a node: it keeps its connections but answers nothing and its timers stop, as kill -STOP does',
  ),
  resume: onNode('resume', 'resume a frozen node; it handles what arrived meanwhile, as after kill -CONT'),
  cut: onLink('cut', 'cut the network between two nodes (a partition: nothing crosses, nothing is refused)'),
  heal: onLink('heal', 'heal a cut link'),
  slow: {
    usage: 'infra slow NODE MS',
    help: 'make a web server add MS milliseconds to every answer (0 = back to normal)',
    build: ([node, ms], nodes) => {
      const slow_ms = Number(ms?.replace(/ms$/, ''));
      if (!node || !Number.isInteger(slow_ms) || slow_ms < 0)
        return 'usage: infra slow NODE MS (e.g. infra slow web-01 500)';
      return checkNode(node, nodes) ?? { cmd: 'web', node, behaviour: { slow_ms } };
    },
  },
  flaky: {
    usage: 'infra flaky NODE PERCENT',
    help: 'make a web server answer PERCENT% of requests with a 500 (0 = back to normal)',
    build: ([node, percent], nodes) => {
      const share = Number(percent?.replace(/%$/, ''));
      if (!node || !(share >= 0 && share <= 100))
        return 'usage: infra flaky NODE PERCENT (e.g. infra flaky web-02 30%)';
      return checkNode(node, nodes) ?? { cmd: 'web', node, behaviour: { flaky: share / 100 } };
    },
  },
  capacity: {
    usage: 'infra capacity NODE ...',
    help: 'show how much a web server does at once, or set it: --workers N --backlog N --service-time MS',
    build: ([node, ...flags], nodes) => {
      const usage =
        'usage: infra capacity NODE [--workers N] [--backlog N] [--service-time MS] (e.g. infra capacity web-01 --workers 10)';
      if (!node) return usage;
      const problem = checkNode(node, nodes);
      if (problem) return problem;
      const found = nodes.find((n) => n.name === node)!;
      if (found.role !== 'web') return `${node} is a ${found.role}, not a web server`;
      if (!flags.length) {
        if (!found.behaviour) return `${node} is ${found.state}: start it to see its capacity`;
        return { answer: `${node}: ${describeCapacity(found.behaviour)}` };
      }
      const behaviour: { workers?: number; backlog?: number; service_ms?: number } = {};
      for (let i = 0; i < flags.length; i += 2) {
        const [flag, value = ''] = [flags[i], flags[i + 1]];
        try {
          if (flag === '--workers' || flag === '--backlog')
            behaviour[flag === '--workers' ? 'workers' : 'backlog'] = parseCount(
              value,
              flag === '--workers' ? 'workers' : 'backlog',
            );
          else if (flag === '--service-time') behaviour.service_ms = parseDuration(value);
          else return `unknown option '${flag}'; ${usage}`;
        } catch (error) {
          return `${flag}: ${(error as Error).message}`;
        }
      }
      return { cmd: 'web', node, behaviour };
    },
  },
  reset: {
    usage: 'infra reset',
    help: 'put the scenario back as it started (nodes, files, links)',
    build: (words) => (words.length ? 'usage: infra reset' : { cmd: 'reset' }),
  },
};

/** Takes `--in 6s` out of the words: do it later, e.g. start a server only once the balancer has marked it DOWN. */
function takeDelay(words: string[]): { words: string[]; after_ms?: number } | string {
  const at = words.indexOf('--in');
  if (at < 0) return { words };
  const after_ms = durationMs(words[at + 1] ?? '', 's');
  if (after_ms === undefined) return `--in wants a delay such as 6s or 500ms, not '${words[at + 1] ?? ''}'`;
  return { words: [...words.slice(0, at), ...words.slice(at + 2)], after_ms };
}

function checkNode(name: string, nodes: NodeStatus[]): string | undefined {
  if (nodes.some((n) => n.name === name)) return undefined;
  const names = nodes.map((n) => n.name);
  const byAddress = nodes.find((n) => n.address === name);
  if (byAddress) return `'${name}' is an address; name the node: ${byAddress.name}`;
  return `no node named '${name}'${didYouMean(name, names)}. Nodes: ${names.join(', ')}`;
}

function checkEnd(end: string, nodes: NodeStatus[]): string | undefined {
  if (end === '*' || /^\d{1,3}(\.\d{1,3}){3}$/.test(end)) return undefined;
  return checkNode(end, nodes);
}

function describe(node: NodeStatus): string {
  const notes: string[] = [];
  if (node.ports.length) notes.push(`ports ${node.ports.join(',')}`);
  const b = node.behaviour;
  if (b?.slow_ms) notes.push(`slow ${b.slow_ms} ms`);
  if (b?.flaky) notes.push(`flaky ${Math.round(b.flaky * 100)}%`);
  if (b?.frozen) notes.push('app hung');
  if (b && (node.state === 'running' || node.state === 'frozen'))
    notes.push(`${b.workers} workers × ${b.service_ms} ms, backlog ${b.backlog}`);
  if (node.state !== 'running' && node.exit) notes.push(describeExit(node.exit));
  return notes.join(', ');
}

const STATE_COLOUR: Record<string, string> = { running: '32', frozen: '36', stopped: '33', crashed: '31' };

function table(status: Status, colour: boolean): string {
  const rows = [
    ['NODE', 'ROLE', 'ADDRESS', 'STATE', 'NOTES'],
    ...status.nodes.map((n) => [n.name, n.role, n.address, n.state, describe(n)]),
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const lines = rows.map((row, r) =>
    row
      .map((cell, column) => {
        const padded = cell.padEnd(column === row.length - 1 ? 0 : widths[column] + 2);
        return colour && r > 0 && column === 3 ? `\x1b[${STATE_COLOUR[cell] ?? '0'}m${padded}\x1b[0m` : padded;
      })
      .join('')
      .trimEnd(),
  );
  const cuts = status.cuts.length ? status.cuts.map(([a, b]) => `${a} x ${b}`).join(', ') : 'none';
  const met = status.goals.filter((g) => g.met).length;
  return `${status.title} (scenario ${status.scenario})\n\n${lines.join('\n')}\n\nCut links: ${cuts}\nGoals met: ${met}/${status.goals.length}\n`;
}

async function runAction(name: string, words: string[], io: CommandIO): Promise<number> {
  const action = ACTIONS[name];
  if (!action) {
    io.err(
      `infra: unknown sub-command '${name}'${didYouMean(name, ['status', ...Object.keys(ACTIONS)])}. Type 'help infra' for the list.\n`,
    );
    return 2;
  }
  const delay = action.later ? takeDelay(words) : { words };
  const command = typeof delay === 'string' ? delay : action.build(delay.words, (await status(io)).nodes);
  if (typeof command === 'string') {
    io.err(`infra ${name}: ${command}\n`);
    return 2;
  }
  if ('answer' in command) {
    io.out(`${command.answer}\n`);
    return 0;
  }
  if (typeof delay !== 'string' && delay.after_ms !== undefined) Object.assign(command, { after_ms: delay.after_ms });
  const reply = await send(io, command);
  if (!reply.ok) {
    io.err(`infra ${name}: ${reply.error}\n`);
    return 1;
  }
  io.out(`${reply.message}\n`);
  return 0;
}

export const infra: Command = {
  name: 'infra',
  summary: 'see and break the nodes',
  usage: [['infra status', 'every node: role, address, state'], ...Object.values(ACTIONS).map((a) => [a.usage, a.help])]
    .map(([usage, help]) => `${usage.padEnd(26)}${help}`)
    .concat([
      'Node and link commands take --in DURATION to happen later: infra start web-01 --in 6s',
      'Examples: infra kill web-01   infra freeze web-02   infra cut lb-01 web-01   infra heal lb-01 web-01',
      '          infra capacity web-01 --workers 10 --service-time 100ms',
    ])
    .join('\n'),
  async run([name, ...words], io) {
    if (!name || name === 'status') {
      io.out(table(await status(io), io.interactive));
      return 0;
    }
    return runAction(name, words, io);
  },
  async complete(args, io) {
    if (args.length === 1) return ['status', ...Object.keys(ACTIONS)];
    // The usage line says what each position holds: NODE, A and B are node names.
    const slot = ACTIONS[args[0]]?.usage.split(' ').slice(2)[args.length - 2];
    if (slot !== 'NODE' && slot !== 'A' && slot !== 'B') return [];
    return nodeNames(io.session);
  },
};
