// Ending one sandbox process, with every wait bounded. A WebContainer cannot stop a process whose event loop is busy
// (webcontainer-core#1121: kill() returns, but the process runs on and `exit` never settles), so nothing waits for an
// exit without a deadline: a process still running after it is reported as stuck, and its caller moves on.
import type { SandboxProcess } from './types';

/** How long a process gets to end on its own command (the supervisor stops its nodes first, each within ~1.5 s). */
export const QUIT_MS = 6_000;
/** How long a process gets to end after kill(). */
export const KILL_MS = 3_000;

/** How a process ended: before it was asked to, on its own command, by kill(), or not at all within the bounds. */
export type Ending = { by: 'exited' | 'quit' | 'kill'; code: number } | { by: 'stuck' };

/** The exit code, or undefined when the process has not exited within `ms`. */
export function exitWithin(process: SandboxProcess, ms: number): Promise<number | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([process.exit, late]).finally(() => clearTimeout(timer));
}

/**
 * Asks `process` to end with `quit` (when it has one), then kill()s it if it has not exited within `quitMs`, and
 * gives up after `killMs` more.
 */
export async function stopProcess(
  process: SandboxProcess,
  quit?: () => Promise<void>,
  { quitMs = QUIT_MS, killMs = KILL_MS } = {},
): Promise<Ending> {
  // Whether it has exited already, asked without a timer: the command goes out in the caller's own task (a click
  // that starts another sandbox), not after the page has redrawn.
  const ended = await Promise.race([process.exit, Promise.resolve(undefined)]);
  if (ended !== undefined) return { by: 'exited', code: ended };
  if (quit) {
    // A stdin that is already closed (the process has gone) cannot take the command: kill() and the exit tell.
    const asked = await quit().then(
      () => true,
      () => false,
    );
    const code = asked ? await exitWithin(process, quitMs) : undefined;
    if (code !== undefined) return { by: 'quit', code };
  }
  process.kill();
  const code = await exitWithin(process, killMs);
  return code === undefined ? { by: 'stuck' } : { by: 'kill', code };
}
