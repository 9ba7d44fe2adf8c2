// The shell's side of the supervisor's control API (see ../contracts/commands.ts): one command per HTTP POST on
// loopback, with the session's secret from .sandbox/control.json. This is the sandbox's management plane, so it
// deliberately bypasses the sandbox network: `infra` must work even when the learner has cut every link. It uses
// node:http, not the global fetch, which WebContainers have been seen to hang under concurrency.
import http from 'node:http';
import type { Command, Reply, Status } from '../contracts/commands';
import type { CommandIO } from './command';
import type { Control, Session } from './control-file';
import { waitForSandbox } from './wait';

export async function send(io: CommandIO, command: Command): Promise<Reply> {
  const control = await waitForSandbox(io);
  return post(control, command, io.signal);
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
    const reply = await post(control, { cmd: 'status' }, AbortSignal.timeout(1000));
    return reply.ok ? (reply.status?.nodes.map((n) => n.name) ?? []) : [];
  } catch {
    return [];
  }
}

/** Sends a command that may be lost (a `clients` report): never waits for the sandbox, never throws. */
export async function report(session: Session, command: Command): Promise<void> {
  const control = session.tryControl();
  if (control) await post(control, command, AbortSignal.timeout(1000)).catch(() => {});
}

function post({ port, secret }: Control, command: Command, signal: AbortSignal): Promise<Reply> {
  const body = JSON.stringify(command);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/command',
        signal,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: `Bearer ${secret}`,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('error', reject);
        res.on('end', () => {
          try {
            resolve(JSON.parse(text) as Reply);
          } catch {
            reject(
              new Error(
                `the sandbox's supervisor answered ${res.statusCode} with no reply; is the sandbox still running?`,
              ),
            );
          }
        });
      },
    );
    req.on('error', (error) => {
      if (signal.aborted) return reject(signal.reason);
      // Its loopback port is machinery, not part of the sandbox the learner sees: the error names no address.
      const reason = (error as NodeJS.ErrnoException).code ?? error.message;
      reject(new Error(`cannot reach the sandbox's supervisor (${reason}); is the sandbox still running?`));
    });
    req.end(body);
  });
}
