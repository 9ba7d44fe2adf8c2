// The redirect and header rules with the real balancer, compared with what HAProxy 2.6.12 sent for the same config:
//   http-request redirect scheme https if { path_beg /old }
//   http-response set-header X-Resp 1
//   http-after-response set-header X-After 2
// HAProxy's own answer (the redirect) gets only the http-after-response header, after its own; a server's answer
// gets both, in rule order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, haproxyCfg, raw, startBackend, startBalancer, type Backend, type Balancer } from './support';

describe('http-request redirect and http-response / http-after-response set-header', () => {
  let lb: Balancer;
  let web: Backend;
  let port: number;
  beforeAll(async () => {
    web = await startBackend('web-01');
    port = await freePort();
    lb = await startBalancer(
      haproxyCfg({
        port,
        frontend: [
          'http-request redirect scheme https if { path_beg /old }',
          'http-response set-header X-Resp 1',
          'http-after-response set-header X-After 2',
        ],
        backend: [],
        servers: [`server web-01 127.0.0.1:${web.port}`],
      }),
    );
  });
  afterAll(async () => {
    await lb?.stop();
    await web?.kill();
  });

  it('answers a redirect itself: 302 by default, with cache-control, and only the http-after-response header', async () => {
    const { data } = await raw(port, 'GET /old?q HTTP/1.1\r\nHost: a.test\r\n\r\n', 1000);
    expect(data).toBe(
      'HTTP/1.1 302 Found\r\ncontent-length: 0\r\nlocation: https://a.test/old?q\r\ncache-control: no-cache\r\nx-after: 2\r\n\r\n',
    );
    expect(web.hits).toBe(0);
    const event = await lb.waitFor((e) => e.type === 'balancer.request' && e.status === 302);
    expect(event).toMatchObject({
      server: null,
      termination: 'LR--',
      setHeaders: { location: 'https://a.test/old?q', 'x-after': '2' },
    });
  });

  it("adds both headers, in rule order, to a server's answer", async () => {
    const { data } = await raw(port, 'GET / HTTP/1.1\r\nHost: a.test\r\n\r\n', 1000);
    expect(data).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(data).toMatch(/\r\nx-resp: 1\r\nx-after: 2\r\n/);
  });
});
