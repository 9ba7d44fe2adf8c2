// Where each node sits in the topology picture (and how wide and tall the picture is): one tier per role, in the order a request travels (the internet,
// balancers, web servers, the primary database, its replicas), the monitor apart. Tiers run left to right on a wide
// screen and top to bottom on a narrow one (a phone), so the picture's text stays readable at either width.
// Pure, so it is tested. Which links join them is topology-links.ts.

export interface Placed {
  name: string;
  x: number;
  y: number;
}

export type Orientation = 'across' | 'down';

export const CLIENT = 'client';
export const NODE_W = 190;
export const NODE_H = 96;
/** A row holds a node, the rate or lag line under it, and the VIP badge above it. */
const ROW_H = NODE_H + 44;
/** Down, nodes of one tier sit side by side this far apart (centre to centre). */
const COL_W = NODE_W + 40;
/** Across, each tier gets this much width: room for a link between nodes, and no more, so the text stays large. */
const TIER_W = NODE_W + 80;

/** The tier of each role, in request order; roles not in it (monitors) sit apart. */
export const column: Record<string, number> = { balancer: 1, vrrp: 1, web: 2, store: 3 };

interface Placeable {
  name: string;
  role: string;
}

export function layout(
  nodes: readonly Placeable[],
  orientation: Orientation = 'across',
): { placed: Placed[]; width: number; height: number } {
  const monitors = nodes.filter((n) => !(n.role in column));
  // The first database node starts as the primary; its replicas get a tier of their own, so each replication
  // link is a separate line. Nodes keep their place after a failover: the links move (topology-links.ts).
  const stores = nodes.filter((n) => n.role === 'store');
  const tiers = [
    [{ name: CLIENT, role: 'client' }],
    ...[1, 2].map((c) => nodes.filter((n) => column[n.role] === c)),
    stores.slice(0, 1),
    stores.slice(1),
  ].filter((t) => t.length);
  const placed: Placed[] = [];
  if (orientation === 'down') {
    // Monitors form the last tier, below everything they watch.
    const rows = monitors.length ? [...tiers, monitors] : tiers;
    const width = Math.max(...rows.map((t) => t.length)) * COL_W;
    rows.forEach((tier, r) =>
      tier.forEach((n, c) =>
        placed.push({
          name: n.name,
          x: width / 2 + (c - (tier.length - 1) / 2) * COL_W,
          y: 10 + r * ROW_H + ROW_H / 2,
        }),
      ),
    );
    return { placed, width, height: rows.length * ROW_H + 20 };
  }
  const rows = Math.max(...tiers.map((t) => t.length));
  const height = rows * ROW_H + (monitors.length ? ROW_H : 0) + 20;
  const width = tiers.length * TIER_W;
  const colW = TIER_W;
  tiers.forEach((tier, c) =>
    tier.forEach((n, r) => {
      const top = ((rows - tier.length) * ROW_H) / 2;
      placed.push({ name: n.name, x: colW * c + colW / 2, y: 10 + top + r * ROW_H + ROW_H / 2 });
    }),
  );
  monitors.forEach((n, i) =>
    placed.push({ name: n.name, x: (width / (monitors.length + 1)) * (i + 1), y: height - ROW_H / 2 - 10 }),
  );
  return { placed, width, height };
}
