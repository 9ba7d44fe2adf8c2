// The shell's side of the supervisor's control API (see ../supervisor/commands.ts): one command per HTTP POST on
// loopback. This is the sandbox's management plane, so it deliberately bypasses the sandbox network: `infra` must
// work even when the learner has cut every link.
import type { Command, Reply, Status } from '../supervisor/commands';
import type { CommandIO } from './command';
import type { Session } from './session';
import { waitForSandbox } from './wait';

export async function send(io: CommandIO, command: Command): Promise<Reply> {
  const control = await waitForSandbox(io);
  return post(control.port, command, io.signal);
}

export async function status(io: CommandIO): Promise<Status> {
  const reply = await send(io, { cmd: 'status' });
  if (!reply.ok || !reply.status) throw new Error(reply.ok ? 'the supervisor sent no status' : reply.error);
  return reply.status;
}

/** Node names for Tab completion: best effort, never waits long. */
export async function nodeNames(session: Session): Promise<string[]> {
  const control = session.tryControl();
  if (!control) return [];
  try {
    const reply = await post(control.port, { cmd: 'status' }, AbortSignal.timeout(1000));
    return reply.ok ? (reply.status?.nodes.map((n) => n.name) ?? []) : [];
  } catch {
    return [];
  }
}

async function post(port: number, command: Command, signal: AbortSignal): Promise<Reply> {
  let response: Response;
  try {
    response = await fetch(`http://127.0.0.1:${port}/command`, { method: 'POST', body: JSON.stringify(command), signal });
  } catch (error) {
    if (signal.aborted) throw error;
    throw new Error(`cannot reach the supervisor on 127.0.0.1:${port} (${(error as Error & { cause?: Error }).cause?.message ?? (error as Error).message}); is the sandbox still running?`);
  }
  return (await response.json()) as Reply;
}
