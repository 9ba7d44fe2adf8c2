import type { CommandIO } from './command';
import type { Control } from './control-file';

/** Waits for the sandbox's network and control API, telling the learner why nothing happens yet. */
export function waitForSandbox(io: CommandIO): Promise<Control> {
  return io.session.ready(io.signal, () =>
    io.err('Waiting for the sandbox to start (no .sandbox/control.json yet). Press Ctrl-C to cancel.\n'),
  );
}
