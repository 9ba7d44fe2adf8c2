// The health-check loop: the I/O around the state machine in health.ts.
//
// Every `inter` (2 s by default) each server with `check` gets a check: a TCP connection (`check` alone: "Layer4
// check passed" once it connects), or with `option httpchk` an HTTP request whose status must be 2xx/3xx (or the
// one `http-check expect status` names). While a server is on its way UP or DOWN the next check comes after
// `fastinter`, while fully DOWN after `downinter` (both default to `inter`). The check's timeout is `timeout check`,
// or `inter` when that is not set.
import type { Socket } from 'node:net';
import { connect } from '../network/net';
import type { Backend, CheckResult, Server } from './backend';
import type { HttpCheck } from './config';
import { isTransitional } from './health';

/** Starts checking every server of `backend` that has `check`; returns the function that stops it. */
export function startChecks(backend: Backend): () => void {
  const checked = backend.servers.filter((s) => s.health);
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;

  const schedule = (server: Server, delay: number) => {
    const timer = setTimeout(async () => {
      timers.delete(timer);
      const result = await runCheck(
        server.address,
        backend.config.httpchk,
        backend.config.timeouts.check ?? server.config.inter,
      );
      if (stopped) return;
      backend.applyCheck(server, result);
      schedule(server, nextInterval(server));
    }, delay);
    timers.add(timer);
  };
  // HAProxy spreads the first checks of a backend's servers over one interval instead of firing them together.
  checked.forEach((server, i) => schedule(server, Math.floor((i * server.config.inter) / checked.length)));

  return () => {
    stopped = true;
    timers.forEach(clearTimeout);
  };
}

function nextInterval(server: Server): number {
  const { inter, fastinter, downinter } = server.config;
  const h = server.health!;
  if (isTransitional(h)) return fastinter ?? inter;
  if (h.health === 0) return downinter ?? inter;
  return inter;
}

/** One check against `address`; never rejects. */
export function runCheck(address: string, http: HttpCheck | undefined, timeout: number): Promise<CheckResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket: Socket = connect(address);
    let connected = false;
    let answer = '';
    const finish = (result: Omit<CheckResult, 'duration' | 'passed'>, passed = false) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...result, passed, duration: Date.now() - started });
    };
    const timer = setTimeout(
      () =>
        finish(
          connected
            ? { status: 'L7TOUT', description: 'Layer7 timeout' }
            : { status: 'L4TOUT', description: 'Layer4 timeout' },
        ),
      timeout,
    );
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (!connected)
        return finish({ status: 'L4CON', description: 'Layer4 connection problem', info: errorText(error) });
      finish({ status: 'L7RSP', description: 'Layer7 invalid response', info: errorText(error) });
    });
    socket.on('connect', () => {
      connected = true;
      if (!http) return finish({ status: 'L4OK', description: 'Layer4 check passed' }, true);
      socket.write(
        `${http.method} ${http.uri} ${http.version}\r\n${http.version === 'HTTP/1.1' ? 'connection: close\r\n' : ''}\r\n`,
      );
    });
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      const end = answer.indexOf('\n');
      if (end < 0) return;
      const line = /^HTTP\/1\.[01] (\d{3}) ?(.*?)\r?$/.exec(answer.slice(0, end));
      if (!line)
        return finish({
          status: 'L7RSP',
          description: 'Layer7 invalid response',
          info: answer.slice(0, Math.min(end, 40)).trim(),
        });
      const code = Number(line[1]);
      const passed = http!.expectStatus !== undefined ? code === http!.expectStatus : code >= 200 && code < 400;
      if (passed) finish({ status: 'L7OK', description: 'Layer7 check passed', code }, true);
      else finish({ status: 'L7STS', description: 'Layer7 wrong status', code, info: line[2] });
    });
    socket.on('end', () => {
      if (connected)
        finish({
          status: 'L7RSP',
          description: 'Layer7 invalid response',
          info: answer ? 'Incomplete response' : 'Empty response',
        });
    });
  });
}

/** "Connection refused" rather than ECONNREFUSED: the words HAProxy takes from strerror(). */
function errorText(error: NodeJS.ErrnoException): string {
  const words: Record<string, string> = {
    ECONNREFUSED: 'Connection refused',
    ECONNRESET: 'Connection reset by peer',
    EHOSTUNREACH: 'No route to host',
    ENETUNREACH: 'Network is unreachable',
    ETIMEDOUT: 'Connection timed out',
  };
  return words[error.code ?? ''] ?? error.message;
}
