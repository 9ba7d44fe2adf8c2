// The local bridge: lets a course page on this computer run the sandbox programs as real processes.
//
// Anything on the web could try to reach a server on localhost, so every WebSocket must pass four checks:
//   1. it comes from loopback;
//   2. its Host is localhost, 127.0.0.1 or [::1] (a DNS-rebinding page would carry its own host name);
//   3. its Origin is this very server (browsers always send Origin on WebSockets, and pages cannot forge it);
//   4. it carries this start's secret token, which only a page served by this server can read: the token is served only
//      to requests a browser marks `Sec-Fetch-Site: same-origin` (no header, as from curl or another local program, is
//      refused too), with no CORS header, so neither a foreign page nor a non-browser client can read it.
// Then it gets a Session: a fresh temporary folder, only bundles from sandboxes/dist, processes that die with it.
// One thing happens before a page connects: serving a lesson page to a tab the learner opened starts the page's first
// scenario in the session kept open ahead (startScenarioAhead), with the same trust as the token.
// `?constraints=webcontainer` on the socket's URL runs its programs under the emulated limits of a WebContainer
// (constraints.ts).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { BRIDGE_PATH, TOKEN_PATH } from './endpoints.ts';
import { loanFolder, parseConstraints, STARTED_AHEAD, type Constraints } from '../types.ts';
import { MAX_PAYLOAD } from './limits.ts';
import { request, type Reply } from './protocol.ts';
import { listPrograms, Session } from './bridge-session.ts';

/**
 * The path and query a request asks for, or null when they cannot be read. Always relative to this server: a request
 * for `//evil.example/…` is a path on this server, never a URL of another host.
 */
function target(req: IncomingMessage): URL | null {
  try {
    return new URL(`http://localhost${req.url ?? '/'}`);
  } catch {
    return null;
  }
}

/** Pages (browser tabs) served at once; each runs its own processes. */
export const MAX_SESSIONS = 8;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const LOOPBACK_ADDRESSES = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export interface BridgeOptions {
  /** The folder of program bundles (sandboxes/dist). */
  bundles: string;
  /** Keep a session open ahead, for the next page that connects (see `openAhead`); `npm start` does. */
  openAhead?: boolean;
}

/**
 * How long after the last page left the next session is opened ahead. A page being reloaded, or followed by the next
 * page of a full navigation, connects again within a moment: a session opened then would take CPU from its start.
 */
const AHEAD_AFTER_LAST_PAGE_MS = 3000;

export class Bridge {
  /** A new secret each time the server starts. */
  readonly token = randomBytes(24).toString('base64url');
  private readonly bundles: string;
  private readonly sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD });
  private readonly sessions = new Set<Session>();
  private readonly keepsOneAhead: boolean;
  /** The session opened ahead, not yet given to a page (null if it could not be opened). */
  private ahead?: Promise<Session | null>;
  private closed = false;
  private nextAhead?: NodeJS.Timeout;

  constructor(options: BridgeOptions) {
    this.bundles = options.bundles;
    this.keepsOneAhead = options.openAhead ?? false;
    if (this.keepsOneAhead) this.ahead = this.openAhead();
  }

  /**
   * A session opened before any page asks, with the processes a page asks for first (its supervisor and its two
   * shells, src/runtime/started-ahead.ts) already started in its first sandbox folder, so that the first sandbox of
   * the page that takes it does not wait for a Node.js process to load (nor, with the supervisor's spares, for its
   * nodes' processes). Only for a page without emulated limits: a WebContainer has no such thing.
   */
  private openAhead(): Promise<Session | null> {
    return Session.open(this.bundles, () => {}).then(
      async (session) => {
        this.sessions.add(session);
        await session.startAhead(STARTED_AHEAD, loanFolder(1)).catch(() => {});
        return session;
      },
      () => null, // the page that connects opens its own, and says why if it cannot
    );
  }

  /** The session for a page that connects: the one opened ahead if it is still good, else a new one. */
  private async sessionFor(send: (reply: Reply) => void, constraints: Constraints | undefined): Promise<Session> {
    const ahead = constraints ? undefined : await this.takeAhead();
    if (ahead) {
      ahead.adopt(send);
      return ahead;
    }
    return Session.open(this.bundles, send, constraints);
  }

  /**
   * The session opened ahead, taken. The next one is opened once no page is connected any more (see
   * AHEAD_AFTER_LAST_PAGE_MS): a page keeps processes started ahead for its own next sandbox, so one set of idle processes
   * is enough.
   */
  private async takeAhead(): Promise<Session | undefined> {
    clearTimeout(this.nextAhead);
    const taken = this.ahead;
    this.ahead = undefined;
    const session = await taken;
    if (session?.usable) return session;
    if (session) await this.end(session);
    return undefined;
  }

  private async end(session: Session): Promise<void> {
    await session.close();
    this.sessions.delete(session);
  }

  /** Why a request is not one from this computer to this server by name (checks 1 and 2), or null when it is. */
  private notLocal(req: IncomingMessage): string | null {
    if (!LOOPBACK_ADDRESSES.has(req.socket.remoteAddress ?? ''))
      return 'the sandbox bridge only accepts connections from this computer';
    const host = req.headers.host ?? '';
    if (!LOOPBACK_HOSTS.has(host.replace(/:\d+$/, '')))
      return `the sandbox bridge only answers to localhost, not to '${host}'`;
    return null;
  }

  /** Why a request may not use the bridge, or null when it may. */
  refusal(req: IncomingMessage, { needsToken }: { needsToken: boolean }): string | null {
    const notLocal = this.notLocal(req);
    if (notLocal) return notLocal;
    const host = req.headers.host ?? '';
    const origin = req.headers.origin;
    if (needsToken && origin !== `http://${host}`)
      return `the sandbox bridge only accepts pages from http://${host}, not from '${origin ?? 'no origin'}'`;
    if (!needsToken && req.headers['sec-fetch-site'] !== 'same-origin') {
      return 'the sandbox token is only given to pages of this site, opened in a browser';
    }
    if (needsToken) {
      const given = Buffer.from(target(req)?.searchParams.get('token') ?? '');
      const expected = Buffer.from(this.token);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return 'missing or wrong sandbox token: reload the page (the token changes each time the server starts)';
      }
    }
    return null;
  }

  /**
   * A lesson page is being served to a browser tab, opened by the learner (typed, a bookmark, a link of this site):
   * its first sandbox's scenario is run now by the supervisor of the session opened ahead, so that its nodes start
   * while the browser loads the page, which takes that supervisor when it connects (src/runtime/started-ahead.ts).
   * Only for what a browser marks as a top-level navigation from this site or none, never a prefetch or prerender:
   * another site can send a tab here, but then it says so (`Sec-Fetch-Site: cross-site`), and it cannot forge these
   * headers. Nothing of the request reaches the supervisor: the scenario is the built page's own.
   */
  startScenarioAhead(req: IncomingMessage, scenario: string): void {
    const site = req.headers['sec-fetch-site'];
    const navigation =
      req.headers['sec-fetch-dest'] === 'document' &&
      req.headers['sec-fetch-mode'] === 'navigate' &&
      (site === 'none' || site === 'same-origin') &&
      req.headers['sec-purpose'] === undefined &&
      req.headers.purpose === undefined;
    if (!navigation || this.notLocal(req) !== null) return;
    void this.ahead?.then((session) => session?.runAhead(scenario));
  }

  /** Serves the token to pages of this site. Returns false for requests that are not for the bridge. */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean {
    if (target(req)?.pathname !== TOKEN_PATH) return false;
    const refused = this.refusal(req, { needsToken: false });
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('Content-Type', 'application/json');
    res.statusCode = refused ? 403 : 200;
    res.end(JSON.stringify(refused ? { error: refused } : { token: this.token, path: BRIDGE_PATH }));
    return true;
  }

  /** Takes over WebSocket upgrades for the bridge's path; returns false for any other (e.g. Vite's HMR socket). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    if (target(req)?.pathname !== BRIDGE_PATH) return false;
    const refused = this.refusal(req, { needsToken: true });
    if (refused) {
      refuseUpgrade(socket, 403, refused);
      return true;
    }
    const constraints = parseConstraints(target(req)?.searchParams.get('constraints'));
    this.sockets.handleUpgrade(req, socket, head, (ws) => this.connect(ws, constraints));
    return true;
  }

  private connect(ws: WebSocket, constraints: Constraints | undefined): void {
    const send = (reply: Reply) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(reply));
    };
    // The socket being opened counts too: the WebSocket server tracks every open connection.
    if (this.sockets.clients.size > MAX_SESSIONS) {
      send({ type: 'error', id: null, message: `The sandbox bridge already serves ${MAX_SESSIONS} pages, its limit.` });
      ws.close(1013, 'too many sessions');
      return;
    }
    const opening = this.sessionFor(send, constraints).then(
      (session) => {
        this.sessions.add(session);
        send({ type: 'ready', programs: listPrograms(this.bundles) });
        return session;
      },
      // A full disk or an unwritable temporary folder is an error for this page, never the server's end.
      (error: Error) => {
        send({
          type: 'error',
          id: null,
          message: `The sandbox bridge could not make a session folder for this page: ${error.message}.`,
        });
        ws.close(1011, 'no session folder');
        return null;
      },
    );
    // A malformed frame (over maxPayload, invalid UTF-8, a reserved opcode or bit, an unmasked frame, close code 999)
    // or a reset connection ends this connection, and with it this session; never the server or another session.
    ws.on('error', () => ws.terminate());
    ws.on('message', (raw) => {
      let json: unknown;
      try {
        json = JSON.parse(raw.toString());
      } catch {
        json = undefined;
      }
      const parsed = request.safeParse(json);
      if (!parsed.success) {
        // Tied to its request when it has an id, so the page's waiting call fails instead of waiting for ever.
        const id = (json as { id?: unknown } | undefined)?.id;
        const issue = json === undefined ? 'not JSON' : parsed.error.issues[0]?.message;
        send({
          type: 'error',
          id: typeof id === 'number' ? id : null,
          message: `the bridge did not understand a message: ${issue}`,
        });
        return;
      }
      const message = parsed.data;
      void opening.then((session) => session?.handle(message));
    });
    ws.on('close', () => {
      void opening.then(async (session) => {
        if (session) await this.end(session);
        if (!this.keepsOneAhead || this.closed || this.sockets.clients.size > 0) return;
        clearTimeout(this.nextAhead);
        this.nextAhead = setTimeout(() => {
          if (!this.closed && this.sockets.clients.size === 0) this.ahead ??= this.openAhead();
        }, AHEAD_AFTER_LAST_PAGE_MS).unref();
      });
    });
  }

  /** Ends every session: its processes (SIGTERM, then SIGKILL) and its folder. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.nextAhead);
    const ahead = this.ahead;
    this.ahead = undefined;
    await ahead; // once open, it is among the sessions
    for (const ws of this.sockets.clients) ws.terminate();
    await Promise.all([...this.sessions].map((session) => session.close()));
    this.sessions.clear();
  }

  /** For a process that is exiting now: kill every session's processes at once. */
  killNow(): void {
    for (const session of this.sessions) session.killNow();
  }
}

/** Answers an upgrade the bridge will not take (refused, or not for it) and closes the connection, never leaving it hanging. */
export function refuseUpgrade(socket: Duplex, status: 403 | 404, reason: string): void {
  const title = { 403: 'Forbidden', 404: 'Not Found' }[status];
  socket.on('error', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${title}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${reason}\n`);
}
