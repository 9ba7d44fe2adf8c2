// `ufw NODE ARGS...`: ufw as run on that node (`sudo ufw ...` after logging in to it). The rules go to the node's
// firewall file in the sandbox network, where every new connection towards the node meets them.
import { readRuleset, writeRuleset } from '../../network/firewall/rules-file';
import { ufw as runUfw } from '../../network/firewall/ufw';
import { wrap } from '../wrap';
import type { Command, CommandIO } from '../command';
import { nodeNames, status } from '../control-client';
import { waitForSandbox } from '../wait';

const ADDRESS = /^\d{1,3}(\.\d{1,3}){3}$/;

/** A node name (web-01) or address (10.0.0.11) to its address; an error names the nodes there are. */
export async function nodeAddress(io: CommandIO, node: string): Promise<string> {
  if (ADDRESS.test(node)) return node;
  const { nodes } = await status(io);
  const found = nodes.find((n) => n.name === node);
  if (!found) throw new Error(`no node named '${node}' (nodes: ${nodes.map((n) => n.name).join(', ')})`);
  return found.address;
}

export const ufw: Command = {
  name: 'ufw',
  summary: "a node's firewall",
  usage: [
    'usage: ufw NODE COMMAND',
    '',
    'Runs ufw on NODE (a node name or address). Commands, as in ufw(8):',
    '  enable | disable                       turn the firewall on or off',
    '  status [verbose|numbered]              show the rules',
    '  default allow|deny|reject [incoming]   the policy for connections no rule matches',
    '  allow|deny|reject|limit PORT[/tcp]     e.g. allow 80/tcp, limit ssh',
    '  allow from ADDR[/BITS] [to any] [port PORT] [proto tcp|vrrp]',
    '  insert NUM RULE | delete NUM | delete RULE | reset',
    '',
    "deny drops silently (callers time out); reject refuses at once; limit rejects a source's 6th connection in 30 s.",
    'Examples:',
    '  ufw web-01 default deny incoming',
    '  ufw web-01 allow from 10.0.0.2 to any port 80 proto tcp',
    '  ufw web-01 enable',
  ].join('\n'),
  async run(args, io) {
    const [node, ...words] = args;
    if (!node || words.length === 0) {
      io.err(`${wrap(this.usage, io.columns)}\n`);
      return 2;
    }
    const control = await waitForSandbox(io);
    let address: string;
    try {
      address = await nodeAddress(io, node);
    } catch (error) {
      io.err(`ufw: ${(error as Error).message}\n`);
      return 1;
    }
    const before = readRuleset(control.net, address);
    const result = runUfw(words, before);
    if (result.ruleset !== before) writeRuleset(control.net, address, result.ruleset);
    (result.status ? io.err : io.out)(result.output.endsWith('\n') ? result.output : `${result.output}\n`);
    return result.status;
  },
  async complete(args, io) {
    if (args.length === 1) return nodeNames(io.session);
    if (args.length === 2)
      return [
        'enable',
        'disable',
        'status',
        'default',
        'allow',
        'deny',
        'reject',
        'limit',
        'insert',
        'delete',
        'reset',
      ];
    return [];
  },
};
