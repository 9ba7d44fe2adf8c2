// A node's control channel: its stdin. Under the supervisor (SANDBOX_EVENTS=1) stdin is a pipe from it, each line
// a command, and the end of the pipe means the supervisor is gone, even if it was killed with SIGKILL and could not
// stop its nodes: the node then exits, so no orphan keeps a port or a virtual address. Run by hand, the lines come
// from the terminal and its end is ignored.
//
// Every node understands these lines, and answers each with its own event (the supervisor replies only then):
//   reload   re-read its configuration files (`systemctl reload`): `control.reload` names the files re-read, or
//            says it failed, with the errors, and the running configuration is kept (as HAProxy and keepalived do)
//   freeze   hang in-process, as under SIGSTOP (./freeze.ts): `control.frozen`
//   resume   carry on, as after SIGCONT: `control.resumed`
//   stop     a graceful stop (`systemctl stop`): finish what is in flight, then exit 0 (`control.stopping` first)
// Any other line is the program's own (a web server's `slow 300ms`, the balancer's runtime API commands).
//
// Signals are not the way in: a WebContainer delivers none but SIGKILL, and a signal cannot say whether it worked.
// The node reports `control.ready` once it takes these commands; until then the supervisor does not count it started.
import { createInterface } from 'node:readline';
import { freeze, isFrozen, pausableTimers, resume, whenRunning } from './freeze';
import { report } from './report';

export interface Reloaded {
  /** The configuration files the node read again. */
  files: string[];
  /** Why the new configuration was refused (then the running one is kept); empty when it was applied. */
  errors: string[];
}

export interface Controls {
  /** Re-reads the configuration; errors are returned (or thrown), never half-applied. */
  reload?(): Reloaded | Promise<Reloaded>;
  /** Finishes in-flight work before the process exits with 0. */
  stop?(): void | Promise<void>;
  /** Freezes and resumes what the process runs besides itself (keepalived's HAProxy). */
  freeze?(): Promise<void>;
  resume?(): Promise<void>;
  /** A line that is not one of the common commands. */
  command?(line: string): void | Promise<void>;
}

const COMMON = ['reload', 'freeze', 'resume', 'stop'];

// Timers become pausable as soon as a program imports this module, before it starts any.
pausableTimers();

export function openControlChannel(controls: Controls = {}): void {
  const supervised = process.env.SANDBOX_EVENTS === '1';
  const lines = createInterface({ input: process.stdin, terminal: false });
  lines.on('line', (text) => {
    const line = text.trim();
    if (!line) return;
    // A stopped process reads its stdin only once continued: every line but `resume` waits for it.
    if (line === 'resume' || line === 'freeze') return void run(line, controls);
    whenRunning(() => void run(line, controls));
  });
  if (supervised) lines.on('close', () => process.exit(0));
  report({ type: 'control.ready', commands: COMMON });
}

async function run(line: string, controls: Controls): Promise<void> {
  try {
    switch (line) {
      case 'reload':
        return report({ type: 'control.reload', ...(await reloaded(controls)) });
      case 'freeze':
        if (!isFrozen()) {
          await controls.freeze?.();
          freeze();
        }
        return report({ type: 'control.frozen' });
      case 'resume':
        if (isFrozen()) {
          resume();
          await controls.resume?.();
        }
        return report({ type: 'control.resumed' });
      case 'stop':
        report({ type: 'control.stopping' });
        await controls.stop?.();
        return process.exit(0);
      default:
        if (controls.command) return await controls.command(line);
        process.stderr.write(`unknown command '${line}': this node takes ${COMMON.join(', ')}\n`);
    }
  } catch (error) {
    process.stderr.write(`${line}: ${(error as Error).message}\n`);
  }
}

async function reloaded(controls: Controls): Promise<Reloaded & { ok: boolean }> {
  if (!controls.reload) return { ok: false, files: [], errors: ['this program has no configuration file to reload'] };
  try {
    const { files, errors } = await controls.reload();
    return { ok: errors.length === 0, files, errors };
  } catch (error) {
    return { ok: false, files: [], errors: [(error as Error).message] };
  }
}
