// The one ordered stream of sandbox events: its schema. Every program reports NodeEvents (../../shared/report.ts);
// the supervisor stamps each with `seq`, `time` and `node` and publishes them, with its own events, as JSON lines.
// The page's views (topology, event log, charts, exercises) are all derived from this stream.
//
// Each part of the sandbox keeps its events in its own file here and adds them to the NodeEvent union below.
// A type is named `<part>.<what happened>` (store.write, vrrp.state, monitor.alert, firewall.block, link.cut). Not
// yet renamed: a node's `log` line and the supervisor's lesson frames `ready`, `scenario`, `goal` and `prediction`.
import type { SupervisorEvent } from './supervisor';
import type { WebEvent } from './web';
import type { FirewallEvent } from './firewall';
import type { MonitorEvent } from './monitor';
import type { VrrpEvent } from './vrrp';
import type { StoreEvent } from './store';
import type { BalancerEvent } from './balancer';
import type { ControlEvent } from './control';
import type { ClientEvent } from './client';

/** A human log line, in the real tool's own format. */
export interface LogEvent {
  type: 'log';
  level: 'info' | 'notice' | 'warning' | 'alert' | 'error';
  text: string;
}

export type NodeEvent =
  | LogEvent
  | ControlEvent
  | WebEvent
  | VrrpEvent
  | FirewallEvent
  | MonitorEvent
  | StoreEvent
  | BalancerEvent
  | ClientEvent;

/** What the supervisor adds to every event it publishes. */
export interface Stamp {
  /** Position in the stream: strictly increasing from 1, so views can replay and detect gaps. */
  seq: number;
  /** Milliseconds since the scenario started. */
  time: number;
  /** The node the event came from ('supervisor' for the supervisor's own). */
  node: string;
}

/** One line of the supervisor's stdout (and of the control API's /events). */
export type SandboxEvent = (NodeEvent | SupervisorEvent) & Stamp;
