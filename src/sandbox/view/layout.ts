// Where each node sits in the topology picture: one column per tier, left to right in the order a request
// travels (the internet, balancers, web servers, the primary database, its replicas), the monitor apart below.
// Pure, so it is tested. Which links join them is topology-links.ts.

export interface Placed {
  name: string;
  x: number;
  y: number;
}

export const CLIENT = 'client';
export const WIDTH = 1000;
export const NODE_W = 190;
export const NODE_H = 96;

/** The tier of each role, left to right; roles not in it (monitors) sit apart below. */
export const column: Record<string, number> = { balancer: 1, vrrp: 1, web: 2, store: 3 };

interface Placeable {
  name: string;
  role: string;
}

export function layout(nodes: readonly Placeable[]): { placed: Placed[]; height: number } {
  const monitors = nodes.filter((n) => !(n.role in column));
  // The first database node starts as the primary; its replicas get a column of their own, so each replication
  // link is a separate line. Nodes keep their place after a failover: the links move (topology-links.ts).
  const stores = nodes.filter((n) => n.role === 'store');
  const tiers = [[{ name: CLIENT, role: 'client' }], ...[1, 2].map((c) => nodes.filter((n) => column[n.role] === c)), stores.slice(0, 1), stores.slice(1)].filter((t) => t.length);
  const rows = Math.max(...tiers.map((t) => t.length));
  const rowH = NODE_H + 44;
  const height = rows * rowH + (monitors.length ? rowH : 0) + 20;
  const colW = WIDTH / tiers.length;
  const placed: Placed[] = [];
  tiers.forEach((tier, c) =>
    tier.forEach((n, r) => {
      const top = ((rows - tier.length) * rowH) / 2;
      placed.push({ name: n.name, x: colW * c + colW / 2, y: 10 + top + r * rowH + rowH / 2 });
    }),
  );
  monitors.forEach((n, i) => placed.push({ name: n.name, x: (WIDTH / (monitors.length + 1)) * (i + 1), y: height - rowH / 2 - 10 }));
  return { placed, height };
}
