// The links of the topology picture, and which of them are cut. Traffic goes from the clients ("the internet",
// 203.0.113.10) to the front door (the balancers, else the web servers), on to the web servers and from them to the
// current primary; replication goes from each replica's upstream to the replica. Both follow the events: after a
// failover the links leave the old primary for the promoted one. Cuts are named as in the supervisor's `cut`
// command: node names, virtual addresses, or `*` for every node.
import type { ViewState } from './state';
import { CLIENT, column } from './layout';

export const CLIENT_ADDRESS = '203.0.113.10';

export interface Edge {
  from: string;
  to: string;
  kind: 'traffic' | 'replication';
}

export function links(state: ViewState): Edge[] {
  const balancers = state.nodes.filter((n) => column[n.role] === 1).map((n) => n.name);
  const web = state.nodes.filter((n) => n.role === 'web').map((n) => n.name);
  const primary = currentPrimary(state);
  const edges: Edge[] = [];
  for (const front of balancers.length ? balancers : web) edges.push({ from: CLIENT, to: front, kind: 'traffic' });
  for (const b of balancers) for (const w of web) edges.push({ from: b, to: w, kind: 'traffic' });
  if (primary) for (const w of web) edges.push({ from: w, to: primary, kind: 'traffic' });
  for (const node of state.nodes) {
    if (node.role !== 'store' || node.name === primary || node.replication?.role === 'primary') continue;
    // A standby is drawn from the node it streams from; until it says, from the current primary.
    const upstream = node.replication?.upstream ?? primary;
    if (upstream) edges.push({ from: upstream, to: node.name, kind: 'replication' });
  }
  return edges;
}

/**
 * The primary that takes the writes now: the one on the newest timeline (an old primary that comes back as a
 * primary, in a split brain, is on an older one). Before the databases report, the first database, which every
 * scenario starts as the primary.
 */
export function currentPrimary(state: ViewState): string | undefined {
  const stores = state.nodes.filter((n) => n.role === 'store');
  const primaries = stores.filter((n) => n.replication?.role === 'primary');
  const newest = primaries.sort((a, b) => b.replication!.timeline - a.replication!.timeline)[0];
  return (newest ?? stores[0])?.name;
}

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
