// The firewall as the goal checks see it.
import { decide, INSTALLED, type Ruleset } from '../../network/firewall/ruleset';
import type { World } from '../../contracts/scenario';
import { CLIENT } from './topology';

/**
 * The firewall as the goal checks see it: each node's rules from the sandbox network (.sandbox/net/firewall/
 * <address>.json, written by `ufw`), asked through the same decide() that net.ts applies to every connection.
 */
export function firewallView({ nodes, file }: Pick<World, 'nodes' | 'file'>) {
  const rules = (address: string): Ruleset => {
    const text = file(`.sandbox/net/firewall/${address}.json`);
    return text ? { ...INSTALLED, ...(JSON.parse(text) as Partial<Ruleset>) } : INSTALLED;
  };
  const open = (from: string, address: string, port: number) =>
    decide(rules(address), from, address, port, () => 1).verdict === 'accept';
  /** Every node:port the internet (the learner's terminal) can open. */
  const exposed = nodes.flatMap((n) =>
    n.ports.filter((port) => open(CLIENT, n.address, port)).map((port) => `${n.name}:${port}`),
  );
  return { open, exposed };
}
