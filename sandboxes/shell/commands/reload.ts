// `reload`: what an admin does after editing haproxy.cfg (or keepalived.conf), `systemctl reload haproxy`. The node
// re-reads its files itself and answers: which files it re-read, or, when a file has errors, the errors with their
// line numbers (as `haproxy -c` prints them), and it keeps serving with the configuration it had, as HAProxy and
// keepalived do when a reload fails. On a keepalived node both keepalived.conf and haproxy.cfg are re-read.
import type { Command } from '../command';
import { didYouMean } from '../../shared/suggest';
import { nodeNames, send, status } from '../control-client';

export const reload: Command = {
  name: 'reload',
  summary: 're-read haproxy.cfg',
  usage: `reload          make every balancer re-read haproxy.cfg (systemctl reload haproxy)
reload NODE     the same for one node (e.g. reload lb-02); where keepalived runs, it re-reads its
                keepalived-NODE.conf too (systemctl reload keepalived)
A config with errors is not applied: the node shows the errors with their line numbers and keeps its
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
      const reply = await send(io, { cmd: 'reload', node: node.name });
      if (io.signal.aborted) return 130;
      if (reply.ok) io.out(`${reply.message}\n`);
      else {
        // The errors name their file: keepalived.conf or haproxy.cfg on a keepalived node.
        const files = [
          node.config!,
          ...node.args.filter((arg) => arg !== node.config && /\.(cfg|conf)$/.test(arg)),
        ].filter((file) => reply.error.includes(file));
        io.err(`${reply.error}\nreload: fix it (edit ${files.join(' and ') || node.config}) and reload again.\n`);
        failed++;
      }
    }
    return failed ? 1 : 0;
  },
  complete: (args, io) => (args.length === 1 ? nodeNames(io.session) : []),
};
