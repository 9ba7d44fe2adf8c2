// The panel's one state: a pure reducer from the supervisor's event stream to what the views draw. Nothing here
// touches the DOM, a timer or the network, so the same events always give the same picture; that is what lets the
// timeline replay a run (reduce a prefix of the stream) and lets tests check the views without a browser.
import type { SandboxEvent } from '../../../sandboxes/contracts/events/index';
import type { VrrpStateEvent } from '../../../sandboxes/contracts/events/vrrp';
import type { NodeState } from '../../../sandboxes/contracts/commands';
import type { Role } from '../../../sandboxes/contracts/role';
import type { Measured, PredictionKind } from '../../../sandboxes/contracts/scenario';
import { observe, observeClients, observeLag, type Outcome, type Traffic, emptyTraffic } from './traffic';

/** A node's process as the supervisor reports it; 'starting' until its first node.started event. */
export type ProcessState = NodeState | 'starting';

export interface ViewNode {
  name: string;
  role: Role;
  address: string;
  ports: number[];
  process: ProcessState;
  /** The balancer's view of this server, in HAProxy's stats wording: 'UP', 'UP 1/3', 'DOWN', 'DOWN 1/2', 'MAINT'. */
  check?: string;
  /** A web server's behaviour, when not the default. */
  behaviour?: { slow_ms: number; flaky: number; frozen: boolean };
  /** A web server's worker pool as its latest `web.pool` sample saw it (see the capacity section below). */
  pool?: Pool;
  /**
   * keepalived's state per VRRP instance, by instance name: a balancer can be MASTER of one instance and BACKUP of
   * another at once (active/active). Only while its process runs: a stopped node has no role.
   */
  vrrp?: VrrpRole[];
  /** Alerts firing about this node (the monitor's alertname), shown as a warning badge. */
  alerts?: string[];
  /** A database node's replication position (see FIDELITY.md 3.1: lsn on the primary, replay_lsn on replicas). */
  replication?: Replication;
  /** A former primary that may no longer accept writes (split brain prevented). */
  fenced?: boolean;
}

export interface VrrpRole {
  instance: string;
  state: VrrpStateEvent['state'];
}

/** A virtual address, the VRRP instance that carries it and the node holding it now (its instance's MASTER). */
export interface Vip {
  address: string;
  instance: string;
  owner?: string;
}

export interface Replication {
  role: 'primary' | 'replica';
  /** The primary's current (flushed) position, or the last one a replica heard of from its primary. */
  lsn: number;
  timeline: number;
  /** The node a replica streams from (primary_conninfo): the first primary, the promoted one after a failover. */
  upstream?: string;
  /** A replica's position as its primary reports it (pg_stat_replication). */
  replay_lsn?: number;
  lag_bytes?: number;
  /** replay_lag, in ms; null once the replica has replayed everything and is idle. */
  lag_ms?: number | null;
  state?: 'catchup' | 'streaming';
  sync_state?: 'async' | 'potential' | 'sync';
}

/** A request the view animates: from the client, through a balancer when there is one, to a server (or nowhere). */
export interface ViewRequest {
  seq: number;
  time: number;
  /** The node that answered it, or undefined when no server did (HAProxy's <NOSRV>). */
  server?: string;
  via?: string;
  status: number;
  outcome: Outcome;
  duration_ms: number;
}

export interface ViewGoal {
  id: string;
  title: string;
  /** A "find it / fix it" challenge: its title gives a symptom, not steps. */
  challenge?: boolean;
  hints: string[];
  solution: string[];
  met: boolean;
  expected?: string;
  observed?: string;
  /** Stream position at which it was last met: the exercise panel celebrates it once. */
  metAt?: number;
}

export interface ViewState {
  /** The scenario's predictions, with what this run has measured so far (see "Predictions" below). */
  predictions: ViewPrediction[];
  scenario?: { name: string; title: string; summary: string; files: string[] };
  nodes: ViewNode[];
  cuts: [string, string][];
  /** Every virtual address of the VRRP instances seen so far, in the order they were first announced. */
  vips: Vip[];
  goals: ViewGoal[];
  /** The latest requests, oldest first, at most RECENT_REQUESTS. */
  requests: ViewRequest[];
  traffic: Traffic;
  lastSeq: number;
  time: number;
}

export const RECENT_REQUESTS = 60;

export function initialState(): ViewState {
  return {
    predictions: [],
    nodes: [],
    cuts: [],
    vips: [],
    goals: [],
    requests: [],
    traffic: emptyTraffic(),
    lastSeq: 0,
    time: 0,
  };
}

const sameLink = (l: [string, string], a: string, b: string) =>
  (l[0] === a && l[1] === b) || (l[0] === b && l[1] === a);

function updateNode(state: ViewState, name: string, change: (node: ViewNode) => Partial<ViewNode>): ViewNode[] {
  return state.nodes.map((n) => (n.name === name ? { ...n, ...change(n) } : n));
}

function addRequest(state: ViewState, request: ViewRequest): ViewState {
  const requests = state.requests.length >= RECENT_REQUESTS ? state.requests.slice(1) : state.requests.slice();
  requests.push(request);
  return { ...state, requests, traffic: observe(state.traffic, request) };
}

export function reduce(state: ViewState, event: SandboxEvent): ViewState {
  const next = { ...state, lastSeq: event.seq, time: event.time };
  switch (event.type) {
    case 'scenario':
      // A run or a reset starts over: keep nothing from before (the timeline still holds the old events).
      return {
        ...initialState(),
        lastSeq: event.seq,
        time: event.time,
        scenario: { name: event.name, title: event.title, summary: event.summary, files: event.files },
        // A machine the scenario keeps switched off (a server the learner adds) is stopped, not starting.
        nodes: event.nodes.map((n) => ({
          name: n.name,
          role: n.role,
          address: n.address,
          ports: n.ports,
          process: n.stopped ? 'stopped' : 'starting',
        })),
        goals: event.goals.map((g) => ({ ...g, met: false })),
        predictions: predictionsOf(event),
      };
    case 'node.started':
      // A new process has a new, empty worker pool: the last sample of the old one is history.
      return { ...next, nodes: updateNode(state, event.name, () => ({ process: 'running', pool: undefined })) };
    case 'node.exited':
      // A dead keepalived holds no address and has no VRRP state: its peer takes over only after Master_Down_Interval,
      // and until then the address is nobody's (clients get no answer).
      return {
        ...next,
        nodes: updateNode(state, event.name, () => ({ process: event.state, vrrp: undefined })),
        vips: state.vips.map((v) => (v.owner === event.name ? { ...v, owner: undefined } : v)),
      };
    case 'node.frozen':
      return { ...next, nodes: updateNode(state, event.name, () => ({ process: 'frozen' })) };
    case 'node.resumed':
      return { ...next, nodes: updateNode(state, event.name, () => ({ process: 'running' })) };
    case 'link.cut':
      return state.cuts.some((l) => sameLink(l, event.a, event.b))
        ? next
        : { ...next, cuts: [...state.cuts, [event.a, event.b]] };
    case 'link.healed':
      return { ...next, cuts: state.cuts.filter((l) => !sameLink(l, event.a, event.b)) };
    case 'goal':
      return {
        ...next,
        goals: state.goals.map((g) =>
          g.id === event.id
            ? {
                ...g,
                met: event.met,
                expected: event.expected,
                observed: event.observed,
                metAt: event.met && !g.met ? event.seq : g.metAt,
              }
            : g,
        ),
      };
    case 'prediction':
      return { ...next, predictions: measured(state.predictions, event) };
    case 'web.behaviour': {
      const { slow_ms, flaky, frozen } = event;
      return { ...next, nodes: updateNode(state, event.node, () => ({ behaviour: { slow_ms, flaky, frozen } })) };
    }
    case 'web.request': {
      // Requests through a balancer are counted where the client sees them, by the balancer's own report; a
      // balancer's health checks and a monitor's scrapes are not traffic. Only a client's direct requests count here.
      if (state.nodes.some((n) => n.address === event.client)) return next;
      return addRequest(next, {
        seq: event.seq,
        time: event.time,
        server: event.node,
        status: event.status,
        outcome: outcomeOf(event.status),
        duration_ms: event.duration_ms,
      });
    }
    case 'balancer.request':
      return addRequest(next, {
        seq: event.seq,
        time: event.time,
        server: event.server && state.nodes.some((n) => n.name === event.server) ? event.server : undefined,
        via: event.node,
        status: event.status,
        outcome: event.termination.startsWith('P') ? 'denied' : outcomeOf(event.status),
        duration_ms: Math.max(0, event.timings.Ta),
      });
    case 'client.requests':
      return { ...next, traffic: observeClients(state.traffic, event.time, event) };
    case 'web.pool':
      return { ...next, nodes: updateNode(state, event.node, () => ({ pool: poolOf(event) })) };
    case 'balancer.server':
      // The stats page's word for the server (UP, UP 2/3, DOWN, MAINT...), on the node of the same name.
      return { ...next, nodes: updateNode(state, event.server, () => ({ check: event.status })) };
    case 'vrrp.state': {
      // A MASTER holds its instance's virtual addresses (keepalived's gratuitous ARP); a node leaving MASTER lets go
      // of them. Other instances of the same node are untouched.
      const role = { instance: event.instance, state: event.state };
      const vips = state.vips.slice();
      for (const address of event.vips) {
        const at = vips.findIndex((v) => v.address === address);
        const held = at >= 0 ? vips[at].owner : undefined;
        const owner = event.state === 'MASTER' ? event.node : held === event.node ? undefined : held;
        if (at >= 0) vips[at] = { address, instance: event.instance, owner };
        else vips.push({ address, instance: event.instance, owner });
      }
      return {
        ...next,
        vips,
        nodes: updateNode(state, event.node, (n) => ({
          vrrp: [...(n.vrrp ?? []).filter((r) => r.instance !== event.instance), role].sort((a, b) =>
            a.instance.localeCompare(b.instance),
          ),
        })),
      };
    }
    case 'monitor.alert': {
      const about = state.nodes.find(
        (n) =>
          n.name === event.labels.node ||
          event.labels.instance?.startsWith(n.address + ':') ||
          n.address === event.labels.instance,
      );
      if (!about) return next;
      return {
        ...next,
        nodes: updateNode(state, about.name, (n) => {
          const others = (n.alerts ?? []).filter((a) => a !== event.alertname);
          return { alerts: event.state === 'firing' ? [...others, event.alertname] : others };
        }),
      };
    }
    case 'store.ready':
      // A standby reports where it streams from (store.follow) just before it is ready: keep that.
      return {
        ...next,
        nodes: updateNode(state, event.node, (n) => ({
          replication:
            event.role === 'primary'
              ? { role: 'primary', lsn: event.lsn, timeline: event.timeline }
              : {
                  role: 'replica',
                  lsn: event.lsn,
                  timeline: event.timeline,
                  ...(n.replication?.upstream && { upstream: n.replication.upstream }),
                },
          fenced: false,
        })),
      };
    case 'store.write':
      return {
        ...next,
        nodes: updateNode(state, event.node, (n) => ({
          replication: { role: 'primary', timeline: event.timeline, ...n.replication, lsn: event.lsn },
        })),
      };
    case 'store.replication': {
      const replica =
        state.nodes.find((n) => n.address === event.client_addr) ??
        state.nodes.find((n) => n.name === event.application_name);
      if (!replica) return next;
      const nodes = state.nodes.map((n) => {
        if (n.name === event.node && n.replication)
          return { ...n, replication: { ...n.replication, lsn: event.current_lsn } };
        if (n.name !== replica.name) return n;
        const timeline = n.replication?.timeline ?? 1;
        return {
          ...n,
          replication: {
            role: 'replica' as const,
            timeline,
            upstream: event.node,
            lsn: event.current_lsn,
            replay_lsn: event.replay_lsn,
            lag_bytes: Math.max(0, event.current_lsn - event.replay_lsn),
            lag_ms: event.replay_lag,
            state: event.state,
            sync_state: event.sync_state,
          },
        };
      });
      return { ...next, nodes, traffic: observeLag(state.traffic, event.time, replica.name, event.replay_lag ?? 0) };
    }
    case 'store.promote':
      return {
        ...next,
        nodes: updateNode(state, event.node, () => ({
          replication: { role: 'primary', lsn: event.lsn, timeline: event.timeline },
          fenced: false,
        })),
      };
    case 'store.fenced':
      return { ...next, nodes: updateNode(state, event.node, () => ({ fenced: true })) };
    case 'store.follow': {
      // primary_conninfo is an address and port (10.0.0.22:5432): the node at that address is the new upstream.
      const upstream = state.nodes.find((n) => n.address === event.primary.replace(/:\d+$/, ''))?.name;
      return {
        ...next,
        nodes: updateNode(state, event.node, (n) => ({
          replication: { lsn: 0, timeline: 1, ...n.replication, role: 'replica', upstream },
          fenced: false,
        })),
      };
    }
    default:
      return next;
  }
}

// ---- Predictions: the questions of the scenario event, and what the run measured (`prediction` events). A reset
// is a new `scenario` event, so it clears the measured values; the learner's own answers live in the browser
// (progress.ts), not here.

export interface ViewPrediction {
  id: string;
  question: string;
  kind: PredictionKind;
  goal?: string;
  /** What this run measured, once it has happened. */
  measured?: Measured;
}

function predictionsOf(event: Extract<SandboxEvent, { type: 'scenario' }>): ViewPrediction[] {
  // Recordings made before predictions existed have none.
  return (event.predictions ?? []).map((p) => ({ ...p }));
}

function measured(
  predictions: ViewPrediction[],
  event: Extract<SandboxEvent, { type: 'prediction' }>,
): ViewPrediction[] {
  return predictions.map((p) => (p.id === event.id ? { ...p, measured: { value: event.value, how: event.how } } : p));
}

// ---- End of predictions.

/** How a request ended, in the words the views use for its colour, shape and sentence. */
export function outcomeOf(status: number): Outcome {
  if (status === 0) return 'dropped';
  if (status < 400) return 'ok';
  if (status < 500) return 'denied';
  return 'error';
}

// ---- Capacity: a web server's workers and backlog (sandboxes/web/capacity.ts) ----

/** How full a web server is: what the topology draws under it, so saturation shows before the error chart climbs. */
export interface Pool {
  workers: number;
  backlog: number;
  /** Workers serving a request at the sample. */
  busy: number;
  /** Requests waiting for a worker at the sample. */
  queued: number;
  /** Requests answered 503 in the sampled second: every worker busy and the backlog full. */
  refused: number;
}

/** The latest sample is the picture: the server sends one each second it has work, and one when it falls idle. */
function poolOf(event: Extract<SandboxEvent, { type: 'web.pool' }>): Pool {
  const { workers, backlog, busy, queued, refused } = event;
  return { workers, backlog, busy, queued, refused };
}

/** Every event in order: the state after a stream (or a prefix of it, for the timeline). */
export function reduceAll(events: readonly SandboxEvent[], from: ViewState = initialState()): ViewState {
  return events.reduce(reduce, from);
}
