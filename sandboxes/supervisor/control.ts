// The control API, for the shell and tests: HTTP on 127.0.0.1 only, the same command objects as stdin.
//   POST /command            body: one command (commands.ts) → its Reply (200 ok, 400 malformed, 409 refused)
//   GET  /status             → the Reply of { "cmd": "status" }
//   GET  /events?since=SEQ   → the event stream as JSON lines: kept events after SEQ, then live ones
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseCommand, type Command, type Reply } from './commands';
import type { EventStream } from './stream';

const MAX_BODY = 64 * 1024;

export function serveControl(run: (command: Command) => Promise<Reply>, stream: EventStream): Promise<{ port: number; server: http.Server }> {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://control');
    const answer = (code: number, body: unknown) => {
      res.writeHead(code, { 'Content-Type': 'application/json' }).end(JSON.stringify(body) + '\n');
    };

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
        if (body.length > MAX_BODY) return answer(413, { ok: false, error: `a command is at most ${MAX_BODY} bytes` });
      }
      const parsed = parseCommand(body);
      if ('error' in parsed) return answer(400, { ok: false, error: parsed.error });
      const reply = await run(parsed.command);
      return answer(reply.ok ? 200 : 409, reply);
    }
    answer(404, { ok: false, error: `no such endpoint: ${req.method} ${url.pathname}; use POST /command, GET /status or GET /events` });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as AddressInfo).port, server }));
  });
}
