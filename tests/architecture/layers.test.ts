// The layers of sandboxes/ and src/, checked on the real import graph (import-graph.ts). From the bottom:
//
//   sandboxes/contracts   events, commands and replies, the scenario format, Role, LSNs: imports nothing of ours
//   sandboxes/shared      what every program uses (control channel, report, session folder): contracts only
//   sandboxes/network     the simulated network: net.ts, the firewall, TLS; it owns partitions
//   the servers           balancer, web, store, vrrp, monitor, probe: the layers above, not each other
//   the tools             shell (the learner's clients: curl, db, ufw...) and scenarios (each lesson's topology and
//                         config files): may use a server's own modules, as psql speaks PostgreSQL's protocol
//   sandboxes/supervisor  starts scenarios and drives the servers
//   the page (src/)       contracts only, plus the scenario registry it renders and the probe's own report
//
// Arrows point down only, so no folder can reach itself through others (no cross-folder cycle).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// @ts-expect-error: a plain ES module script without type declarations
import { programs } from '../../scripts/build-sandboxes.mjs';
import { cycles, folderGraph, folderOf, importGraph, ROOT, type Edge } from './import-graph';

/** The servers: every program the build bundles (a folder with a main.ts) but the shell and the supervisor. */
const SERVERS = (programs() as string[])
  .filter((p) => p !== 'shell' && p !== 'supervisor')
  .map((p) => `sandboxes/${p}`);
const TOOLS = ['sandboxes/shell', 'sandboxes/scenarios'];
const BELOW_PROGRAMS = ['sandboxes/contracts', 'sandboxes/shared', 'sandboxes/network'];

/** Which folders each folder may import (besides itself). */
const MAY_IMPORT: Record<string, readonly string[]> = {
  'sandboxes/contracts': [],
  'sandboxes/shared': ['sandboxes/contracts'],
  'sandboxes/network': ['sandboxes/contracts', 'sandboxes/shared'],
  ...Object.fromEntries(SERVERS.map((server) => [server, BELOW_PROGRAMS])),
  ...Object.fromEntries(TOOLS.map((tool) => [tool, [...BELOW_PROGRAMS, ...SERVERS]])),
  'sandboxes/supervisor': [...BELOW_PROGRAMS, ...SERVERS, 'sandboxes/scenarios'],
  'src/sandbox': ['sandboxes/contracts', 'src/runtime'],
  'src/runtime': [],
  'src/components': ['sandboxes/contracts', 'sandboxes/scenarios', 'src/runtime', 'src/sandbox'],
  'src/probe': ['sandboxes/contracts', 'sandboxes/probe', 'src/runtime', 'src/sandbox'],
  'src/pages': ['src/probe', 'src/components'],
  'src/integrations': ['src/runtime', 'scripts'],
  // src/content.config.ts: the lesson schema comes from the integration that checks lessons at build time.
  src: ['src/integrations'],
  scripts: [],
};

/**
 * The one import from a server into another: the web app's database driver is the store's client library, as a
 * real app links libpq (a file, not the folder: the rest of the store stays out of the web server's reach).
 */
const CLIENT_LIBRARIES: readonly Edge[] = [
  { from: 'sandboxes/web/database.ts', to: 'sandboxes/store/client.ts' },
  { from: 'sandboxes/web/database.ts', to: 'sandboxes/store/router.ts' },
];

const graph = importGraph();
const isClientLibrary = (edge: Edge) =>
  CLIENT_LIBRARIES.some((allowed) => allowed.from === edge.from && allowed.to === edge.to);

describe('the layers of the sandboxes and the page', () => {
  it('reads an import graph that names only existing files', () => {
    expect(graph.unresolved).toEqual([]);
    // The graph is the real one: the page reaches the contracts and the supervisor reaches the scenarios.
    expect(graph.edges).toContainEqual({
      from: 'src/sandbox/view/state.ts',
      to: 'sandboxes/contracts/events/index.ts',
    });
    expect(
      graph.edges.some((e) => folderOf(e.from) === 'sandboxes/supervisor' && folderOf(e.to) === 'sandboxes/scenarios'),
    ).toBe(true);
  });

  it('has no import cycle between folders', () => {
    expect(cycles(folderGraph(graph.edges)).map((cycle) => cycle.join(' → '))).toEqual([]);
  });

  it('gives every folder a place in the layers', () => {
    const folders = new Set(graph.files.map(folderOf));
    expect([...folders].filter((folder) => !(folder in MAY_IMPORT))).toEqual([]);
  });

  it('imports only downwards: contracts and shared import no program, the network no program, a program no other', () => {
    const against = graph.edges
      .filter((edge) => folderOf(edge.from) !== folderOf(edge.to))
      .filter((edge) => !MAY_IMPORT[folderOf(edge.from)]?.includes(folderOf(edge.to)) && !isClientLibrary(edge))
      .map((edge) => `${edge.from} → ${edge.to}`);
    expect(against).toEqual([]);
  });

  it('leaves partitions to the network: no code outside sandboxes/network checks a cut link itself', () => {
    const checking = graph.files.filter(
      (file) => !file.startsWith('sandboxes/network/') && /\bisLinkCut\b/.test(readFileSync(join(ROOT, file), 'utf8')),
    );
    expect(checking).toEqual([]);
  });

  it('keeps the allowed client-library imports real (an entry that no longer exists goes)', () => {
    for (const allowed of CLIENT_LIBRARIES) expect(graph.edges).toContainEqual(allowed);
  });
});

describe('the layer check itself', () => {
  it('finds a cycle between folders, written from its smallest folder', () => {
    const edges: Edge[] = [
      { from: 'sandboxes/b/x.ts', to: 'sandboxes/a/y.ts' },
      { from: 'sandboxes/a/y.ts', to: 'sandboxes/c/z.ts' },
      { from: 'sandboxes/c/z.ts', to: 'sandboxes/b/w.ts' },
      { from: 'sandboxes/c/z.ts', to: 'sandboxes/d/v.ts' },
    ];
    expect(cycles(folderGraph(edges))).toEqual([['sandboxes/a', 'sandboxes/c', 'sandboxes/b', 'sandboxes/a']]);
  });
});
