// The balancer: `node balancer.js -f haproxy.cfg` runs it, `-c -f haproxy.cfg` only checks the file, as `haproxy`
// does. A `reload` line on stdin re-reads the file (what SIGUSR2 does to HAProxy's master process); `stop` stops it
// softly (../shared/control-channel.ts).
import { basename } from 'node:path';
import { readCommandLine, refuse } from '../shared/command-line';
import { openControlChannel } from '../shared/control-channel';
import { readSessionFile, sessionFileExists, strerror } from '../shared/session-folder';
import { Balancer } from './balancer';
import { parseConfig } from './config';
import { prefix, say } from './messages';
import { runCommand } from './runtime-api';

const VERSION = '2.6.12-sandbox';
const USAGE = `Usage : balancer -f <cfgfile> [-c]
        -f <cfgfile> : the configuration file (haproxy.cfg syntax, the subset this sandbox supports)
        -c           : only check the configuration and exit (0 = valid, 1 = errors)
        -v           : show the version`;

// -W (master-worker), -Ws, -db (foreground) and -q (quiet) are accepted and ignored: the sandbox always runs so.
const ALWAYS_SO = ['-W', '-Ws', '-db', '-q'];
const COMMAND_LINE = {
  options: {
    file: { type: 'string', short: 'f' },
    check: { type: 'boolean', short: 'c' },
    version: { type: 'boolean', short: 'v' },
  },
  usage: USAGE,
  complaint: (problem: string) => prefix('ALERT') + problem,
  status: 1,
} as const;
function fail(problem: string): never {
  return refuse(COMMAND_LINE, problem);
}
const { values } = readCommandLine(
  COMMAND_LINE,
  process.argv.slice(2).filter((arg) => !ALWAYS_SO.includes(arg)),
);
if (values.version) {
  process.stdout.write(`HAProxy version ${VERSION} (a Node.js model of HAProxy 2.6 for this course)\n`);
  process.exit(0);
}
const { file = fail('no configuration file given: use -f haproxy.cfg.'), check: checkOnly = false } = values;
let text: string;
try {
  text = readSessionFile(file);
} catch (error) {
  fail(`config : Could not open configuration file ${file} : ${strerror(error)}`);
}

const { config, errors, warnings } = parseConfig(text, basename(file), sessionFileExists);
// `-c` writes on the terminal whatever runs it, as haproxy -c does; a running balancer sends them to its log.
const print = (level: 'NOTICE' | 'WARNING' | 'ALERT', message: string) =>
  checkOnly ? process.stderr.write(`${prefix(level)}${message}\n`) : say(level, message);
if (warnings.length || errors.length) {
  // HAProxy introduces its complaints with who is speaking.
  print('NOTICE', `haproxy version is ${VERSION}`);
  // The program's own name, not the folder it was installed in (which is the learner's own computer's).
  print('NOTICE', `path to executable is ${basename(process.argv[1])}`);
}
warnings.forEach((w) => print('WARNING', `config : ${w}`));
if (!config) {
  errors.forEach((a) => print('ALERT', `config : ${a}`));
  print('ALERT', `config : Error(s) found in configuration file : ${basename(file)}`);
  print('ALERT', 'config : Fatal errors found in configuration.');
  process.exit(1);
}
if (checkOnly) {
  process.stdout.write(`${warnings.length ? 'Warnings were found.\n' : ''}Configuration file is valid\n`);
  process.exit(0);
}

const balancer = new Balancer(file);
try {
  await balancer.start(config);
} catch (error) {
  say('ALERT', (error as Error).message);
  process.exit(1);
}
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
openControlChannel({
  reload: async () => {
    const { ok, messages } = await balancer.reload();
    // As `haproxy -c` prints them, which is what `systemctl reload haproxy` shows when it refuses a file.
    return { files: [file], errors: ok ? [] : messages.map((message) => prefix('ALERT') + message) };
  },
  stop: () => balancer.stop(),
  // Any other line (from the supervisor, or typed in the terminal) is a runtime API command, as on the stats socket.
  command: async (line) => {
    for (const command of line.split(';'))
      if (command.trim()) say('NOTICE', (await runCommand(command, balancer)).trimEnd() || `${command.trim()}: done`);
  },
});
