// TLS termination at the balancer (`bind :443 ssl crt site.pem`): the real balancer and web server as processes; a
// client on the internet speaks the TLS model to lb-01:443 and gets the page with HSTS, while plain HTTP on :80 is
// redirected to HTTPS (`http-request redirect scheme https code 301 unless { ssl_fc }`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issue, type Certificate } from '../../../../sandboxes/network/tls/pki';
import { get, startTlsFront, type TlsFront } from './tls-front';

const HAPROXY = `defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s

global
    log stdout format raw local0

frontend fe_web
    log global
    option httplog
    bind :80
    bind :443 ssl crt site.pem
    http-request redirect scheme https code 301 unless { ssl_fc }
    http-response set-header Strict-Transport-Security "max-age=63072000"
    default_backend be_app

backend be_app
    server web-01 10.0.0.11:80
`;

describe('TLS termination at the balancer', () => {
  let front: TlsFront;
  let trusted: Certificate[];
  const lb = () => front.lb;

  beforeAll(async () => {
    const ca = await issue('Sandbox Root CA', 'self');
    const site = await issue('www.example.com', { name: 'Sandbox Root CA', key: ca.key });
    trusted = [ca.certificate];
    front = await startTlsFront(HAPROXY, site.pem + site.keyPem);
  }, 30_000);
  afterAll(() => front.stop());

  it('serves the site over the TLS model on :443, with the Strict-Transport-Security header', async () => {
    const secure = await get('10.0.0.2:443', trusted);
    expect(secure.status).toBe(200);
    expect(secure.body).toContain('web-01');
    expect(secure.headers['strict-transport-security']).toBe('max-age=63072000');
    const event = await lb().waitFor((e) => e.type === 'balancer.request' && e.tls === true);
    expect(event.event).toMatchObject({
      status: 200,
      server: 'web-01',
      setHeaders: { 'strict-transport-security': 'max-age=63072000' },
    });
    // HAProxy's log marks a TLS connection with `~` after the frontend's name.
    await lb().waitFor((e) => e.type === 'log' && / fe_web~ be_app\/web-01 .* 200 /.test(e.text));
  });

  it('redirects plain HTTP to HTTPS with 301, keeping the host and the path with its query, as HAProxy 2.6 does', async () => {
    const plain = await get('10.0.0.2:80', undefined, '/login?next=%2Faccount');
    expect(plain.status).toBe(301);
    // HAProxy's redirect: no body, the location, no cache-control for a permanent redirect; no HSTS over plain HTTP.
    expect(plain.raw).toEqual(['content-length', '0', 'location', 'https://www.example.com/login?next=%2Faccount']);
    const event = await lb().waitFor((e) => e.type === 'balancer.request' && e.status === 301);
    expect(event.event).not.toHaveProperty('tls');
    expect(event.event).toMatchObject({
      server: null,
      termination: 'LR--',
      setHeaders: { location: 'https://www.example.com/login?next=%2Faccount' },
    });
    await lb().waitFor(
      (e) =>
        e.type === 'log' &&
        / fe_web fe_web\/<NOSRV> 0\/-1\/-1\/-1\/\d+ 301 \d+ - - LR-- .*"GET \/login\?next=%2Faccount HTTP\/1\.1"$/.test(
          e.text,
        ),
    );
  });

  it('a client that does not trust the certificate refuses the connection', async () => {
    const other = await issue('Another CA', 'self');
    await expect(get('10.0.0.2:443', [other.certificate])).rejects.toThrow(
      'SSL certificate problem: unable to get local issuer certificate',
    );
  });
});
