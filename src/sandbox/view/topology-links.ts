// Which links of the picture are cut. Cuts are named as in the supervisor's `cut` command: node names, virtual
// addresses, or `*` for every node; the clients are "the internet", 203.0.113.10.
import type { ViewState } from './state';
import { CLIENT } from './layout';

export const CLIENT_ADDRESS = '203.0.113.10';

/** Whether a cut (named by node names, addresses or `*`) lies on the edge between two nodes of the picture. */
export function isCut(state: ViewState, from: string, to: string): boolean {
  const names = (end: string) => {
    if (end === CLIENT) return [CLIENT, CLIENT_ADDRESS];
    const node = state.nodes.find((n) => n.name === end);
    return node ? [node.name, node.address] : [end];
  };
  const [a, b] = [names(from), names(to)];
  const matches = (end: string, side: string[]) => end === '*' || side.includes(end);
  return state.cuts.some(([x, y]) => (matches(x, a) && matches(y, b)) || (matches(x, b) && matches(y, a)));
}
