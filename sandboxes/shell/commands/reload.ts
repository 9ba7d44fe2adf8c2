// `reload`: what an admin does after editing haproxy.cfg (or keepalived.conf). As the real haproxy.service does on
// `systemctl reload haproxy` (ExecReload runs `haproxy -c -f $CONFIG` first), the configuration is checked before
// the running balancer is asked to re-read it, so a broken file is reported with its line numbers and the balancer
// keeps serving with the configuration it had. On a keepalived node, keepalived.conf is checked too (keepalived
// -t) and keepalived re-reads it (SIGHUP, as `systemctl reload keepalived`).
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

/**
 * The configuration checks for a node's programs, from its command line: its own `-f FILE`, and for keepalived with
 * HAProxy next to it (`vrrp.js -f keepalived-lb-01.conf -- balancer -f haproxy.cfg`, see ../../vrrp/companion.ts)
 * the companion's too, as a reload of that node reloads both.
 */
function checksOf(node: NodeStatus): { program: string; args: string[] }[] {
  const dashes = node.args.indexOf('--');
  const programs: [string, string[]][] = dashes < 0
    ? [[node.program, node.args]]
    : [[node.program, node.args.slice(0, dashes)], [node.args[dashes + 1], node.args.slice(dashes + 2)]];
  return programs.flatMap(([program, args]) => {
    const file = args.includes('-f') ? args[args.indexOf('-f') + 1] : undefined;
    return file && CHECKS[program] ? [{ program, args: CHECKS[program](file) }] : [];
  });
}

async function check(node: NodeStatus, io: CommandIO): Promise<{ ok: boolean; output: string }> {
  let ok = true;
  let output = '';
  for (const { program, args } of checksOf(node)) {
    // The check runs the sibling bundle, as every sandbox program that starts another does.
    const bundle = join(dirname(fileURLToPath(import.meta.url)), `${program}.js`);
    if (!existsSync(bundle)) continue;
    const env = { ...process.env };
    delete env.SANDBOX_EVENTS; // its verdict is for the learner's eyes, not for the event stream
    const verdict = await new Promise<{ ok: boolean; output: string }>((resolve) => {
      execFile(process.execPath, [bundle, ...args], { cwd: io.session.folder, env, timeout: 15_000, signal: io.signal }, (error, stdout, stderr) =>
        resolve({ ok: !error, output: stdout + stderr }),
      );
    });
    ok &&= verdict.ok;
    output += verdict.output;
  }
  return { ok, output };
}

export const reload: Command = {
  name: 'reload',
  summary: 'check the balancer config and make the balancer re-read it (after edit haproxy.cfg or keepalived.conf)',
  usage: `reload          check haproxy.cfg (as haproxy -c does) and reload every balancer that reads it
reload NODE     the same for one node (e.g. reload lb-02); where keepalived runs, its keepalived-NODE.conf
                is checked (as keepalived -t does) and re-read too (as systemctl reload keepalived)
A config with errors is not applied: the errors are shown with their line numbers and the node keeps its
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
