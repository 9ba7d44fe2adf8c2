// The app's data, kept in the replicated store (sandboxes/store): `/kv?key=cart` reads a value, POST (or PUT) with
// the value as the body writes it, DELETE removes it. Writes go to the primary and reads to a standby, as most
// applications do with a primary-replica database; --read-your-writes decides what a client that just wrote reads:
//   off      whatever the standby has replayed: right after a write, possibly the old value (a stale read)
//   primary  the primary, for a few seconds after the client's last write
//   wait     the standby, once it has replayed the client's last write (or the primary if it takes too long)
// A client is its address (X-Forwarded-For when a balancer is in between), or ?user=NAME.
import type { IncomingMessage } from 'node:http';
import { report } from '../shared/report';
import { StoreError } from '../store/client';
import { parseLsn } from '../contracts/lsn';
import { StoreRouter, type ReadYourWrites } from '../store/router';
import { send, type Route } from './routes/route';

/** The web server's flags for the store, for parseArgs. */
export const storeFlags = {
  db: { type: 'string' },
  'read-your-writes': { type: 'string', default: 'off' },
} as const;

const READ_YOUR_WRITES: ReadYourWrites[] = ['off', 'primary', 'wait'];
const MAX_BODY = 64 * 1024;
let router: StoreRouter | undefined;

/** Connects the app to the database nodes given by --db; returns what to log, or throws on a bad flag. */
export function useStore(flags: { db?: string; 'read-your-writes'?: string }): string | undefined {
  if (!flags.db) return undefined;
  const readYourWrites = (flags['read-your-writes'] ?? 'off') as ReadYourWrites;
  if (!READ_YOUR_WRITES.includes(readYourWrites))
    throw new Error(`--read-your-writes ${readYourWrites}: expected off, primary or wait`);
  const nodes = flags.db.split(',').map((n) => n.trim());
  const bad = nodes.find((n) => !/:\d+$/.test(n));
  if (bad) throw new Error(`--db: '${bad}' is not HOST:PORT (e.g. --db 10.0.0.21:5432,10.0.0.22:5432)`);
  // A standby 10 s behind (the read-your-writes lesson's) still answers within waitMs: the read waits for replay
  // rather than going to the primary.
  router = new StoreRouter(nodes, { readYourWrites, timeoutMs: 2000, waitMs: 12_000 });
  return `database ${nodes.join(', ')}: writes to the primary, reads from a standby, read-your-writes ${readYourWrites}`;
}

function client(req: IncomingMessage, url: URL): string {
  const forwarded = req.headers['x-forwarded-for'];
  return (
    url.searchParams.get('user') ??
    (typeof forwarded === 'string' ? forwarded.split(',')[0].trim() : (req.socket.remoteAddress ?? '-'))
  );
}

function body(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      text += chunk;
      if (Buffer.byteLength(text) > MAX_BODY) resolve(undefined);
    });
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

export const kv: Route = {
  path: '/kv',
  app: true,
  async handle(req, res) {
    const url = new URL(req.url ?? '/', 'http://app');
    const key = url.searchParams.get('key');
    if (!key) return send(res, 400, 'text/plain', 'Bad Request: name the key, e.g. /kv?key=cart\n');
    if (!router)
      return send(
        res,
        503,
        'text/plain',
        'Service Unavailable: this web server has no database (start it with --db HOST:PORT,...)\n',
      );
    const session = client(req, url);
    try {
      if (req.method === 'GET' || req.method === 'HEAD') {
        const read = await router.read(key, session);
        res.setHeader('X-Read-From', read.node);
        res.setHeader('X-Replay-LSN', read.replay_lsn);
        const mode = router.options.readYourWrites;
        report({
          type: 'store.read',
          key,
          db: read.node,
          replay_lsn: parseLsn(read.replay_lsn),
          stale: read.stale ?? null,
          read_your_writes: mode,
        });
        if (read.value === null)
          return send(
            res,
            404,
            'text/plain',
            `Not Found: no value for ${key} (read on ${read.node} at ${read.replay_lsn})\n`,
          );
        return send(res, 200, 'text/plain', `${read.value}\n`);
      }
      if (req.method === 'POST' || req.method === 'PUT' || req.method === 'DELETE') {
        const value = req.method === 'DELETE' ? undefined : await body(req);
        if (req.method !== 'DELETE' && value === undefined)
          return send(res, 413, 'text/plain', `Payload Too Large: at most ${MAX_BODY} bytes\n`);
        const written = await router.write(key, value, session);
        res.setHeader('X-Written-To', written.node);
        return send(
          res,
          200,
          'text/plain',
          `${req.method === 'DELETE' ? 'deleted' : 'stored'} ${key} on ${written.node} at ${written.lsn}\n`,
        );
      }
      res.setHeader('Allow', 'GET, HEAD, POST, PUT, DELETE');
      return send(res, 405, 'text/plain', 'Method Not Allowed\n');
    } catch (error) {
      const text = error instanceof StoreError ? error.text : (error as Error).message;
      // The client's fault (a value too long) is a 400; a database that cannot take it now is a 503.
      const unavailable = !(error instanceof StoreError) || error.readOnly || error.sqlstate === '08006';
      return send(res, unavailable ? 503 : 400, 'text/plain', `database error: ${text}\n`);
    }
  },
};
