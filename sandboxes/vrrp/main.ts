// keepalived-like VRRP for the sandbox: `node vrrp.js -f keepalived.conf` (`-t` only checks the config), optionally
// with the service it protects on the same node: `node vrrp.js -f keepalived.conf -- balancer -f haproxy.cfg`
// (companion.ts). The process is keepalived.ts; what each instance decides is instance.ts.
//
// A `reload` line on stdin (../shared/control-channel.ts) re-reads keepalived.conf as SIGHUP does to keepalived
// (`systemctl reload keepalived`): instances keep their state and take their new settings, new ones start, removed
// ones stop. It is the node's reload: HAProxy next to it re-reads haproxy.cfg too, and the node confirms once both did.
import { readCommandLine } from '../shared/command-line';
import { openControlChannel } from '../shared/control-channel';
import { log } from '../shared/report';
import { Companion, refusal } from './companion';
import { Keepalived, loadConfig } from './keepalived';

const COMMAND_LINE = {
  // keepalived's own names for -f and -t.
  options: {
    'use-file': { type: 'string', short: 'f', default: 'keepalived.conf' },
    'config-test': { type: 'boolean', short: 't' },
  },
  usage: 'usage: vrrp -f keepalived.conf [-t] [-- balancer -f haproxy.cfg]',
  complaint: (problem: string) => problem,
  status: 1,
} as const;

const dashes = process.argv.indexOf('--');
const { values } = readCommandLine(COMMAND_LINE, process.argv.slice(2, dashes < 0 ? undefined : dashes));
const [companionProgram, ...companionArgs] = dashes < 0 ? [] : process.argv.slice(dashes + 1);
const refused = companionProgram === undefined ? undefined : refusal(companionProgram);
if (refused) {
  process.stderr.write(`${refused}\n`);
  process.exit(1);
}
const file = values['use-file'];
const { config, errors, warnings } = loadConfig(file);
if (!config) {
  process.stderr.write(errors.map((error) => `${error}\n`).join(''));
  process.exit(1);
}
for (const warning of warnings) log(warning, 'warning');
if (values['config-test']) process.stdout.write('Configuration is OK\n');
else await serve();

async function serve(): Promise<void> {
  const companion = companionProgram ? new Companion(companionProgram, companionArgs) : undefined;
  const keepalived = new Keepalived(file, config!, companion);
  const stop = () => keepalived.stop().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    await keepalived.start();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }
  // The node takes commands once both programs do (a balancer that could not start leaves keepalived alone).
  await companion?.ready;
  openControlChannel({
    reload: () => keepalived.reload(),
    stop: () => keepalived.stop(),
    freeze: async () => void (await companion?.ask('freeze', 'control.frozen')),
    resume: async () => void (await companion?.ask('resume', 'control.resumed')),
    // Other lines are for the service (the balancer's runtime API commands).
    command: (line) => companion?.tell(line),
  });
}
