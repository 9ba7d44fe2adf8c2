// The control API, for the shell and tests: HTTP on 127.0.0.1 only, the same command objects as stdin.
//   POST /command            body: one command (commands.ts) → its Reply (200 ok, 400 malformed, 409 refused)
//   GET  /status             → the Reply of { "cmd": "status" }
//   GET  /events?since=SEQ   → the event stream as JSON lines: kept events after SEQ, then live ones
//
// It can kill nodes and rewrite the learner's files, so only the session may use it: every request carries the
// session's secret (written into .sandbox/control.json, readable by the session's own processes) as
// `Authorization: Bearer <secret>`. A web page must never reach it, even one that guessed the port: a request from a
// browser carries `Origin` or `Sec-Fetch-Site` (a cross-site `text/plain` POST needs no preflight), and a page that
// rebinds its DNS name to 127.0.0.1 sends its own name as `Host`. Those are refused before anything is read.
import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseCommand, type Command, type Reply } from '../contracts/commands';
import type { EventStream } from './stream';

const MAX_BODY = 64 * 1024;

/** What the control API serves: its scenario's commands and events. */
export interface ControlHandlers {
  run(command: Command): Promise<Reply>;
  stream: EventStream;
  /** Called once a command's reply has been sent (the supervisor exits after `quit`). */
  answered?(command: Command): void;
}

export interface Control {
  port: number;
  server: http.Server;
  /** From now on the API serves these; before, every request that passes the checks is answered 503. */
  serve(handlers: ControlHandlers): void;
}

/**
 * Opens the control API's port, asking `secret` of every request, before it has anything to serve: a supervisor
 * started ahead opens it while it waits for its scenario, so that opening a port (and Node's first use of its network
 * code) is not on the way to the scenario's nodes.
 */
export function openControl(secret: string): Promise<Control> {
  let port = 0;
  let handlers: ControlHandlers | undefined;
  const server = http.createServer(async (req, res) => {
    const answer = (code: number, body: unknown, then?: () => void) => {
      if (res.headersSent || res.destroyed) return;
      res.writeHead(code, { 'Content-Type': 'application/json' }).end(JSON.stringify(body) + '\n', then);
    };
    req.on('error', () => res.destroy());
    res.on('error', () => undefined);
    try {
      const refused = refusal(req, port, secret);
      if (refused) return answer(403, { ok: false, error: refused });
      if (!handlers) return answer(503, { ok: false, error: 'the supervisor has not started its scenario yet' });
      const { run, stream, answered } = handlers;
      const url = new URL(req.url ?? '/', 'http://control');
      if (req.method === 'GET' && url.pathname === '/status') {
        return answer(200, await run({ cmd: 'status' }));
      }
      if (req.method === 'GET' && url.pathname === '/events') {
        res.writeHead(200, { 'Content-Type': 'application/x-ndjson', 'Cache-Control': 'no-store' });
        const since = Number(url.searchParams.get('since') ?? 0) || 0;
        for (const event of stream.after(since)) res.write(JSON.stringify(event) + '\n');
        const stop = stream.subscribe((event) => res.write(JSON.stringify(event) + '\n'));
        return void res.on('close', stop);
      }
      if (req.method === 'POST' && url.pathname === '/command') {
        let body = '';
        for await (const chunk of req) {
          body += chunk;
          if (body.length > MAX_BODY)
            return answer(413, { ok: false, error: `a command is at most ${MAX_BODY} bytes` }, () => req.destroy());
        }
        const parsed = parseCommand(body);
        if ('error' in parsed) return answer(400, { ok: false, error: parsed.error });
        const reply = await run(parsed.command);
        return answer(reply.ok ? 200 : 409, reply, () => answered?.(parsed.command));
      }
      answer(404, {
        ok: false,
        error: `no such endpoint: ${req.method} ${url.pathname}; use POST /command, GET /status or GET /events`,
      });
    } catch (error) {
      // A request that broke off or could not be read: answer it if it is still there, and serve the next one.
      answer(400, { ok: false, error: `bad request: ${(error as Error).message}` });
    }
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      port = (server.address() as AddressInfo).port;
      resolve({ port, server, serve: (given) => (handlers = given) });
    });
  });
}

/** Why a request may not use the control API, or undefined when it may. */
function refusal(req: http.IncomingMessage, port: number, secret: string): string | undefined {
  if (req.headers.origin !== undefined || req.headers['sec-fetch-site'] !== undefined) {
    return 'the control API does not answer web pages';
  }
  if (req.headers.host !== `127.0.0.1:${port}` && req.headers.host !== `localhost:${port}`) {
    return `the control API answers only for Host 127.0.0.1:${port} or localhost:${port}`;
  }
  const given = Buffer.from(/^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '');
  const wanted = Buffer.from(secret);
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
    return "missing or wrong secret: send 'Authorization: Bearer <secret>' with the secret from .sandbox/control.json";
  }
  return undefined;
}
