// Request smuggling against the balancer's HTTP front (held in the outside review of issue 12; kept tested): a
// request whose length the balancer and the server could read differently is refused with HAProxy's 400 page, and
// the server behind never sees a second, hidden request.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorPages } from '../../../sandboxes/balancer/errors';
import { freePort, haproxyCfg, raw, startBackend, startBalancer, type Backend, type Balancer } from './support';

const ATTACKS: [string, string][] = [
  [
    'Content-Length and Transfer-Encoding together (CL.TE)',
    'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n',
  ],
  [
    'two different Content-Length headers',
    'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 44\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n',
  ],
  [
    'an obfuscated Transfer-Encoding (space before the colon)',
    'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n',
  ],
  [
    'Transfer-Encoding that does not end with chunked',
    'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n',
  ],
  [
    'a header folded onto the next line (obs-fold)',
    'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n Transfer-Encoding: chunked\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n',
  ],
  [
    'a chunk size that overflows',
    'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFF1\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n',
  ],
];

describe('request smuggling through the balancer', () => {
  let backend: Backend;
  let balancer: Balancer;
  let port: number;
  const seen: string[] = [];
  beforeAll(async () => {
    backend = await startBackend('app1', (req: http.IncomingMessage, res: http.ServerResponse) => {
      seen.push(req.url ?? '');
      req.resume();
      req.on('end', () => res.end('app1\n'));
    });
    port = await freePort();
    balancer = await startBalancer(
      haproxyCfg({ port, backend: ['balance roundrobin'], servers: [`server app1 127.0.0.1:${backend.port}`] }),
    );
  });
  afterAll(async () => {
    await balancer?.stop();
    await backend?.kill();
  });

  it.each(ATTACKS)(
    '%s gets the 400 page on a closed connection, and the server sees no hidden request',
    async (_name, attack) => {
      seen.length = 0;
      const answer = await raw(port, attack);
      expect(answer.data).toBe(errorPages[400].bytes.toString('latin1'));
      expect(answer.closed).toBe(true);
      expect(seen).not.toContain('/smuggled');
    },
  );
});
