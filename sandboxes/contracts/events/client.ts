// Events of the clients (the learner's terminal and the panel's Load, both the shell's `load`): what they saw,
// reported through the supervisor's `clients` command. The only place a request that never reached any node
// (connection refused, a dead balancer, a cut link) is counted.
import type { ClientReport } from '../commands';

/** One span (about a second) of client traffic: sent, answered by status class, failed by kind, p95. */
export type ClientRequestsEvent = { type: 'client.requests' } & ClientReport;

export type ClientEvent = ClientRequestsEvent;
