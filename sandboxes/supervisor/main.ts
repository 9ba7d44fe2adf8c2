// The supervisor: `node supervisor.js --scenario NAME`, run in the session folder (`--scenario -`: the name is the
// first line on stdin, for a supervisor started ahead of the sandbox that will use it). It writes the scenario's files
// there, starts its nodes, prints the event stream on stdout (JSON lines, ../contracts/events/index.ts), takes commands
// on stdin and on the control API (commands.ts), and writes `.sandbox/control.json` once ready. When it is told to stop
// (a `quit` command, end of stdin; SIGTERM or SIGINT when run by hand) it kills every node first.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync, renameSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { readCommandLine, refuse } from '../shared/command-line';
import { scenarios } from '../scenarios/index';
import { CLIENT } from '../scenarios/build/topology';
import { parseCommand, type Command, type Reply } from '../contracts/commands';
import { openControl } from './control';
import { EventStream } from './stream';
import { clearEarlierRun, noteLabFiles } from './earlier-run';
import { nodeEnvironment } from './node';
import { Spares } from './spares';
import { Supervisor } from './supervisor';

const COMMAND_LINE = {
  options: { scenario: { type: 'string' } },
  usage: `usage: supervisor --scenario NAME|- (one of: ${Object.keys(scenarios).join(', ')}; - reads it from stdin)`,
  complaint: (problem: string) => `supervisor: ${problem}`,
} as const;

// A WebContainer gives the supervisor a terminal as stdin: in raw mode the terminal does not echo the page's
// command lines back into the event stream (readline still splits lines on the \r a raw terminal sends).
if (process.stdin.isTTY) process.stdin.setRawMode(true);
// stdin's lines, kept until read: the scenario's name (with `--scenario -`), then the commands.
const lines = createInterface({ input: process.stdin, terminal: false })[Symbol.asyncIterator]();

const session = process.cwd();
const state = resolve(session, '.sandbox');
const places = { session, dist: dirname(fileURLToPath(import.meta.url)), net: join(state, 'net') };
// The supervisor plays the network's switch: setLinkCut and the readiness checks use the same folder as the nodes.
process.env.SANDBOX_NET = places.net;
const spares = new Spares({ bundle: join(places.dist, 'spare.js'), cwd: session, env: nodeEnvironment(places) });

async function scenarioName(): Promise<string> {
  const { scenario } = readCommandLine(COMMAND_LINE).values;
  if (!scenario) return refuse(COMMAND_LINE, '--scenario is required');
  // Started ahead: the nodes' processes are started ahead too while it waits (spares.ts).
  const name = scenario === '-' ? await spares.whileWaitingFor(lines.next()) : { value: scenario };
  if (name.done) process.exit(0); // stdin closed before a name came: the supervisor started ahead was not needed
  if (!(name.value in scenarios)) return refuse(COMMAND_LINE, `no scenario named '${name.value}'`);
  return name.value;
}

// The session's secret for the control API: only processes that can read the session folder learn it. The API's port
// is opened before the scenario is known: a supervisor started ahead opens it while it waits (control.ts).
const secret = randomBytes(32).toString('hex');
const control = await openControl(secret);
const scenario = scenarios[await scenarioName()];

const stream = new EventStream((line) => process.stdout.write(line));
const supervisor = new Supervisor(scenario, places, stream, spares);

let stopping = false;
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await supervisor.shutdown();
  process.exit(code);
}
process.on('SIGTERM', () => stop(0));
process.on('SIGINT', () => stop(0));
process.on('SIGHUP', () => stop(0));
// stdout closed by whoever read it (a pipe to a page or `head`): nobody is listening, stop cleanly.
process.stdout.on('error', () => stop(0));

/** After `quit` has been answered (its nodes are gone already): the last event, then exit. */
function answered(command: Command): void {
  if (command.cmd !== 'quit') return;
  stopping = true;
  stream.publish('supervisor', { type: 'supervisor.quit' });
  process.stdout.write('', () => process.exit(0));
}

async function obey(line: string): Promise<void> {
  if (!line.trim()) return;
  const parsed = parseCommand(line);
  const reply: Reply = 'error' in parsed ? { ok: false, error: parsed.error } : await supervisor.run(parsed.command);
  stream.publish('supervisor', { type: 'supervisor.reply', ...reply });
  if (!('error' in parsed)) answered(parsed.command);
}
// Each command as it comes, without waiting for the one before (a `kill` must not wait behind a `restart`).
void (async () => {
  for (let line = await lines.next(); !line.done; line = await lines.next()) void obey(line.value);
  await stop(0);
})();

clearEarlierRun(session, state);
mkdirSync(places.net, { recursive: true });
noteLabFiles(state, scenario.name, Object.keys(scenario.files));
control.serve({ run: (command) => supervisor.run(command), stream, answered });
await supervisor.boot();
// Written last and atomically, so whoever waits for the file finds the topology up.
const controlFile = join(state, 'control.json');
writeFileSync(
  `${controlFile}.tmp`,
  JSON.stringify({ port: control.port, secret, net: places.net, client: CLIENT }) + '\n',
  { mode: 0o600 },
);
renameSync(`${controlFile}.tmp`, controlFile);
stream.publish('supervisor', { type: 'ready', port: control.port });
