// The supervisor's own events (stamped with node 'supervisor'): what happened to the processes, the links and the
// exercise goals. Node events (requests, health changes, ...) are in the other files of this folder.
import type { GoalStatus, NodeState, Reply } from '../../supervisor/commands';

/** First event of a run (and of every reset): what the scenario is, so a view can draw it before anything else. */
export interface ScenarioEvent {
  type: 'scenario';
  name: string;
  title: string;
  summary: string;
  nodes: { name: string; role: string; address: string; ports: number[]; program: string; config?: string }[];
  goals: { id: string; title: string; hints: string[]; solution: string[] }[];
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
  signal: string | null;
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

/** A node was sent its reload signal (SIGUSR2 for the balancer) to make it re-read its configuration. */
export interface NodeReloadedEvent {
  type: 'node.reloaded';
  name: string;
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

/** An exercise goal turned met or unmet: which condition, what it expects and what was observed. */
export interface GoalEvent extends GoalStatus {
  type: 'goal';
}

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
  | LinkCutEvent
  | LinkHealedEvent
  | GoalEvent
  | ReplyEvent;
