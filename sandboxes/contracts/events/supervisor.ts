// The supervisor's own events (stamped with node 'supervisor'): what happened to the processes, the links and the
// exercise goals. Node events (requests, health changes, ...) are in the other files of this folder.
import type { ExitCause, GoalStatus, NodeState, Reply } from '../commands';
import type { Measured, PredictionKind } from '../scenario';

/** First event of a run (and of every reset): what the scenario is, so a view can draw it before anything else. */
export interface ScenarioEvent {
  type: 'scenario';
  name: string;
  title: string;
  summary: string;
  /** `stopped`: the node does not start with the others (a switched-off machine the learner starts). */
  nodes: {
    name: string;
    role: string;
    address: string;
    ports: number[];
    program: string;
    config?: string;
    stopped?: boolean;
  }[];
  goals: { id: string; title: string; challenge?: boolean; hints: string[]; solution: string[] }[];
  /** Questions the learner answers before acting; the run's answers come as `prediction` events. */
  predictions: { id: string; question: string; kind: PredictionKind; goal?: string }[];
  /** The session's editable files (e.g. haproxy.cfg), by file name. */
  files: string[];
}

/** The control API listens; `.sandbox/control.json` is written. */
export interface ReadyEvent {
  type: 'ready';
  port: number;
}

/** A node's process started (also after a restart). */
export interface NodeStartedEvent {
  type: 'node.started';
  name: string;
  pid: number;
  address: string;
}

/** A node's process ended: by a command (`kill`, `restart`, `reset`) or on its own (then state is 'crashed' unless it exited with 0). */
export interface NodeExitedEvent {
  type: 'node.exited';
  name: string;
  code: number | null;
  /** As the runtime reports it (a WebContainer may not): goals that ask how a node died read `cause`. */
  signal: string | null;
  /** What the supervisor did: 'killed' (SIGKILL), 'stopped' (a graceful stop), or 'exited' on its own. */
  cause: ExitCause;
  /** Set when the process did not exit within a bound after SIGKILL: the supervisor gave up on it and carried on. */
  abandoned?: true;
  /** The state it is in now: 'stopped' or 'crashed'. */
  state: Extract<NodeState, 'stopped' | 'crashed'>;
}

export interface NodeFrozenEvent {
  type: 'node.frozen';
  name: string;
}

export interface NodeResumedEvent {
  type: 'node.resumed';
  name: string;
}

/** A node confirmed it re-read its configuration files (a refused reload is the node's own `control.reload` event). */
export interface NodeReloadedEvent {
  type: 'node.reloaded';
  name: string;
  files: string[];
}

/** The last event of a supervisor told to `quit`: every node has been killed, and it exits with 0. */
export interface SupervisorQuitEvent {
  type: 'supervisor.quit';
}

export interface LinkCutEvent {
  type: 'link.cut';
  a: string;
  b: string;
}

export interface LinkHealedEvent {
  type: 'link.healed';
  a: string;
  b: string;
}

/**
 * An exercise goal turned met or unmet, or what was observed changed (at most once a second per goal): which
 * condition, what it expects and what was observed.
 */
export interface GoalEvent extends GoalStatus {
  type: 'goal';
}

/**
 * What the run measured for a prediction (the scenario's `measure`), when it becomes known and whenever it changes
 * (at most once a second per prediction). A reset starts a new run: nothing is measured until it happens again.
 */
export type PredictionEvent = { type: 'prediction'; id: string } & Measured;

/** The answer to a command that arrived on stdin (commands on the control API get theirs over HTTP). */
export type ReplyEvent = { type: 'supervisor.reply' } & Reply;

export type SupervisorEvent =
  | ScenarioEvent
  | ReadyEvent
  | NodeStartedEvent
  | NodeExitedEvent
  | NodeFrozenEvent
  | NodeResumedEvent
  | NodeReloadedEvent
  | SupervisorQuitEvent
  | LinkCutEvent
  | LinkHealedEvent
  | GoalEvent
  | PredictionEvent
  | ReplyEvent;
