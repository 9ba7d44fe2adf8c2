// In which order a scenario's nodes start: all at once, except that a node waits until the nodes it names (by
// address, in its arguments or its configuration file) listen, and only those: a node whose own wait is over starts
// without waiting for the slowest node of an unrelated branch (the capstone's monitor, say). A standby names its primary (`--primary
// 10.0.0.21:5432`), a balancer's haproxy.cfg its servers, a monitor what it watches.
//
// A web server names its databases (`--db`) but does not wait for them: it connects per request
// (sandboxes/web/database.ts), as an application's connection pool does, and no request reaches it before the scenario
// is ready (the shell's commands wait for that). Started with its databases, the capstone is up in four waves, not six.
//
// Why the balancer must wait: HAProxy starts a checked server UP but one failed check from DOWN (health = rise) and
// runs the first check right away, so a server that is still starting would be marked DOWN at once (FIDELITY.md
// 1.3, "At startup health = rise"). Starting the rest together is what takes the topology up in one node's start
// time instead of one per node.
//
// keepalived peers (vrrp) also start one after another, in the scenario's order: each waits 3 × advert_int + its
// skew time before it claims MASTER, and the skews of two priorities differ by a few tens of milliseconds, less
// than the jitter of two processes started together. Started in turn, the same peer becomes MASTER on every run.
import type { Scenario, ScenarioNode } from '../contracts/scenario';

/**
 * The nodes in groups: each group starts together once every node of the groups before it listens. A node that
 * starts `stopped` is in no group, and nobody waits for it (a balancer that names it finds it DOWN, as it would).
 */
export function startGroups(scenario: Scenario): ScenarioNode[][] {
  const booted = scenario.nodes.filter((node) => !node.stopped);
  const needs = new Map(booted.map((node) => [node, dependencies(node, scenario).filter((other) => !other.stopped)]));
  const started = new Set<ScenarioNode>();
  const groups: ScenarioNode[][] = [];
  while (started.size < booted.length) {
    const waiting = booted.filter((node) => !started.has(node));
    const ready = waiting.filter((node) => needs.get(node)!.every((other) => started.has(other)));
    // Nodes that name each other could wait forever: they start together instead.
    const group = ready.length ? ready : waiting;
    group.forEach((node) => started.add(node));
    groups.push(group);
  }
  return groups;
}

/**
 * For each node that starts, the nodes it waits for: those it names (or its earlier keepalived peers) that start in an
 * earlier group. Nodes that name each other are in one group, so they never wait for each other; a node that starts
 * stopped is in none, so nobody waits for it.
 */
export function startAfter(scenario: Scenario): Map<ScenarioNode, ScenarioNode[]> {
  const groupOf = new Map(startGroups(scenario).flatMap((group, i) => group.map((node) => [node, i] as const)));
  return new Map(
    [...groupOf].map(([node, group]) => [
      node,
      dependencies(node, scenario).filter((other) => (groupOf.get(other) ?? group) < group),
    ]),
  );
}

/** The other nodes whose address appears in this node's arguments or configuration file, and its earlier vrrp peers. */
function dependencies(node: ScenarioNode, scenario: Scenario): ScenarioNode[] {
  const text = [...node.args, node.config ? scenario.files[node.config] : ''].join('\n');
  const earlier = scenario.nodes.slice(0, scenario.nodes.indexOf(node));
  const peer = (other: ScenarioNode) => node.program === 'vrrp' && other.program === 'vrrp' && earlier.includes(other);
  const connectsPerRequest = (other: ScenarioNode) => node.role === 'web' && other.role === 'store';
  return scenario.nodes.filter(
    (other) => other !== node && ((names(text, other.address) && !connectsPerRequest(other)) || peer(other)),
  );
}

/** True when `text` holds `address` as a whole address: 10.0.0.2 is not in 10.0.0.21 or 110.0.0.2. */
function names(text: string, address: string): boolean {
  return new RegExp(`(?<![\\d.])${address.replaceAll('.', '\\.')}(?![\\d])`).test(text);
}
