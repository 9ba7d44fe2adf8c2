// The views' line to the supervisor, over what the sandbox panel (src/sandbox/start-panel.ts) provides: the events so
// far plus a 'sandbox:event' DOM event for each new one, and a function that writes a command to the supervisor's
// stdin. Replies to the views' commands come back in the stream as `supervisor.reply` events carrying the command's
// id, which turns each command into a promise of its reply.
import type { SandboxEvent } from '../../../sandboxes/contracts/events/index';
import type { Command, Reply } from '../../../sandboxes/contracts/commands';

export interface SupervisorLink {
  /** Calls `listener` with every event so far, then with each new one. */
  subscribe(listener: (event: SandboxEvent) => void): void;
  send(command: Command): Promise<Reply>;
  readonly events: readonly SandboxEvent[];
}

/** What src/sandbox/start-panel.ts hands over once the scenario is starting. */
export interface SandboxHandle {
  events: SandboxEvent[];
  command(command: object): unknown;
}

const REPLY_TIMEOUT_MS = 15_000;

export function linkToSandbox(root: HTMLElement, sandbox: SandboxHandle): SupervisorLink {
  const listeners: ((event: SandboxEvent) => void)[] = [];
  const pending = new Map<string, (reply: Reply) => void>();
  let nextId = 1;
  root.addEventListener('sandbox:event', (e) => {
    const event = (e as CustomEvent<SandboxEvent>).detail;
    if (event.type === 'supervisor.reply' && typeof event.id === 'string') pending.get(event.id)?.(event);
    for (const listener of listeners) listener(event);
  });
  return {
    events: sandbox.events,
    subscribe(listener) {
      // Synchronous catch-up then subscription: no event can arrive in between.
      for (const event of sandbox.events) listener(event);
      listeners.push(listener);
    },
    send(command) {
      const id = `view-${nextId++}`;
      return new Promise<Reply>((resolve) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          resolve({
            ok: false,
            id,
            error: `the supervisor did not answer '${command.cmd}' within ${REPLY_TIMEOUT_MS / 1000} s`,
          });
        }, REPLY_TIMEOUT_MS);
        pending.set(id, (reply) => {
          clearTimeout(timer);
          pending.delete(id);
          resolve(reply);
        });
        Promise.resolve(sandbox.command({ ...command, id })).catch((error: Error) =>
          pending.get(id)?.({
            ok: false,
            id,
            error: `the supervisor is not running (${error.message}); reload the page to start it again`,
          }),
        );
      });
    },
  };
}
