// Every node's answers on its control channel (../control-channel.ts): the supervisor replies to `reload`, `freeze`,
// `resume` and `stop` only once the node itself has said it did so.

/** The node takes commands on its stdin from now on: the supervisor counts it as started. */
export interface ControlReadyEvent {
  type: 'control.ready';
  /** The common commands it takes (besides its program's own lines). */
  commands: string[];
}

/** The answer to `reload`: the files re-read, or why the new configuration was refused (the running one is kept). */
export interface ControlReloadEvent {
  type: 'control.reload';
  ok: boolean;
  files: string[];
  errors: string[];
}

/** The node hangs in-process, as a SIGSTOPped process: sockets open, nothing answered, timers stopped. */
export interface ControlFrozenEvent {
  type: 'control.frozen';
}

/** The node carries on; what arrived meanwhile is processed now. */
export interface ControlResumedEvent {
  type: 'control.resumed';
}

/** The node finishes what is in flight and exits with 0. */
export interface ControlStoppingEvent {
  type: 'control.stopping';
}

export type ControlEvent =
  ControlReadyEvent | ControlReloadEvent | ControlFrozenEvent | ControlResumedEvent | ControlStoppingEvent;
