// `reload`: what an admin does after editing haproxy.cfg. As the real haproxy.service does on
// `systemctl reload haproxy` (ExecReload runs `haproxy -c -f $CONFIG` first), the configuration is checked before
// the running balancer is asked to re-read it, so a broken file is reported with its line numbers and the balancer
// keeps serving with the configuration it had.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NodeStatus } from '../../supervisor/commands';
import type { Command, CommandIO } from '../command';
import { didYouMean } from '../../shared/suggest';
import { nodeNames, send, status } from '../supervisor';

/** Programs that can check a configuration without running it, and how (haproxy -c). */
const CHECKS: Record<string, (config: string) => string[]> = {
  balancer: (config) => ['-c', '-f', config],
  vrrp: (config) => ['-t', '-f', config], // keepalived -t
};

function check(node: NodeStatus, io: CommandIO): Promise<{ ok: boolean; output: string }> {
  // A keepalived node that runs HAProxy next to it (vrrp.js -- balancer ..., see ../../vrrp/companion.ts) reloads
  // haproxy.cfg: the checker follows the file, as `systemctl reload haproxy` runs `haproxy -c` on that node.
  const program = node.config!.endsWith('.cfg') ? 'balancer' : node.program;
  const args = CHECKS[program]?.(node.config!);
  // The check runs the sibling bundle, as every sandbox program that starts another does.
  const bundle = join(dirname(fileURLToPath(import.meta.url)), `${program}.js`);
  if (!args || !existsSync(bundle)) return Promise.resolve({ ok: true, output: '' });
  const env = { ...process.env };
  delete env.SANDBOX_EVENTS; // its verdict is for the learner's eyes, not for the event stream
  return new Promise((resolve) => {
    execFile(process.execPath, [bundle, ...args], { cwd: io.session.folder, env, timeout: 15_000, signal: io.signal }, (error, stdout, stderr) =>
      resolve({ ok: !error, output: stdout + stderr }),
    );
  });
}

export const reload: Command = {
  name: 'reload',
  summary: 'check the balancer config and make the balancer re-read it (after edit haproxy.cfg)',
  usage: `reload          check haproxy.cfg (as haproxy -c does) and reload every balancer that reads it
reload NODE     the same for one node (e.g. reload lb-02)
A config with errors is not applied: the errors are shown with their line numbers and the balancer keeps its
previous configuration. Fix the file with edit and run reload again.`,
  async run(args, io) {
    const nodes = (await status(io)).nodes.filter((n) => n.config);
    if (args.length > 1) {
      io.err('reload: name at most one node\n');
      return 2;
    }
    const chosen = args.length ? nodes.filter((n) => n.name === args[0]) : nodes.filter((n) => n.role === 'balancer');
    if (chosen.length === 0) {
      const names = nodes.map((n) => n.name);
      io.err(
        args.length
          ? `reload: no node named '${args[0]}' reads a configuration file${didYouMean(args[0], names)}. Nodes that do: ${names.join(', ') || 'none'}\n`
          : 'reload: no balancer in this scenario reads a configuration file\n',
      );
      return 1;
    }
    let failed = 0;
    for (const node of chosen) {
      const verdict = await check(node, io);
      if (io.signal.aborted) return 130;
      if (verdict.output) io.out(verdict.output.endsWith('\n') ? verdict.output : verdict.output + '\n');
      if (!verdict.ok) {
        io.err(`reload: ${node.config} has errors; ${node.name} keeps running its previous configuration. Fix it (edit ${node.config}) and reload again.\n`);
        failed++;
        continue;
      }
      const reply = await send(io, { cmd: 'reload', node: node.name });
      if (reply.ok) io.out(`${reply.message}\n`);
      else {
        io.err(`reload: ${node.name}: ${reply.error}\n`);
        failed++;
      }
    }
    return failed ? 1 : 0;
  },
  complete: (args, io) => (args.length === 1 ? nodeNames(io.session) : []),
};
