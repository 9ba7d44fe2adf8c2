// The TLS model against an on-path observer: over HTTP the password crosses in clear; over the TLS model the
// observer sees the handshake (with the server name) and then only ciphertext; impostor certificates are refused.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { issue, readCredentials, readTrust, type Certificate } from '../../../../sandboxes/network/tls/pki';
import { secureAccept, secureConnect } from '../../../../sandboxes/network/tls/connection';
import { loadCrt, tlsFront } from '../../../../sandboxes/network/tls/terminate';

const LOGIN = 'user=alice&password=hunter2';
let ca: Awaited<ReturnType<typeof issue>>;
let site: string; // the crt file: certificate + key
const cleanup: (() => void)[] = [];

beforeAll(async () => {
  ca = await issue('Sandbox Root CA', 'self');
  const cert = await issue('www.example.com', { name: 'Sandbox Root CA', key: ca.key });
  site = cert.pem + cert.keyPem;
});
afterEach(() => cleanup.splice(0).forEach((f) => f()));

/** A login page, served over plain TCP or the TLS model; records every body it receives. */
async function server(crt?: string): Promise<{ port: number; received: string[] }> {
  const received: string[] = [];
  const app = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push(body);
      res.end('welcome alice\n');
    });
  });
  const credentials = crt ? await readCredentials(crt) : undefined;
  const listener = net.createServer((socket) => {
    const stream = credentials ? secureAccept(socket, credentials) : socket;
    stream.on('error', () => undefined);
    app.emit('connection', stream);
  });
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  cleanup.push(() => listener.close());
  return { port: (listener.address() as net.AddressInfo).port, received };
}

/** An on-path observer: relays bytes both ways and keeps a copy of everything. */
async function observer(to: number): Promise<{ port: number; wire: () => Buffer }> {
  const seen: Buffer[] = [];
  const relay = net.createServer((client) => {
    const upstream = net.connect(to, '127.0.0.1');
    client.on('data', (c: Buffer) => (seen.push(c), upstream.write(c)));
    upstream.on('data', (c: Buffer) => (seen.push(c), client.write(c)));
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
  cleanup.push(() => relay.close());
  return { port: (relay.address() as net.AddressInfo).port, wire: () => Buffer.concat(seen) };
}

function login(port: number, tls?: { servername: string; trusted: Certificate[] }): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        method: 'POST',
        path: '/login',
        headers: { host: 'www.example.com', 'content-type': 'application/x-www-form-urlencoded' },
        createConnection: () => {
          const socket = net.connect(port, '127.0.0.1');
          return (tls ? secureConnect(socket, tls.servername, tls.trusted) : socket) as net.Socket;
        },
      },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(body));
      },
    );
    req.on('error', reject);
    req.end(LOGIN);
  });
}

describe('the TLS model', () => {
  it('over plain HTTP, an on-path observer reads the password', async () => {
    const app = await server();
    const tap = await observer(app.port);
    expect(await login(tap.port)).toBe('welcome alice\n');
    expect(tap.wire().toString('latin1')).toContain('password=hunter2');
  });

  it('over TLS the observer sees the handshake and the server name, then only ciphertext', async () => {
    const app = await server(site);
    const tap = await observer(app.port);
    expect(await login(tap.port, { servername: 'www.example.com', trusted: [ca.certificate] })).toBe('welcome alice\n');
    expect(app.received).toEqual([LOGIN]);
    const wire = tap.wire();
    expect([...wire.subarray(0, 3)]).toEqual([22, 3, 3]); // a handshake record, TLS 1.2/1.3 record version
    expect(wire.toString('latin1')).toContain('"server_name":"www.example.com"'); // SNI travels in clear
    expect(wire.toString('latin1')).not.toContain('hunter2');
    expect(wire.toString('latin1')).not.toContain('POST /login');
  });

  it.each([
    [
      'a self-signed certificate',
      async () => {
        const c = await issue('www.example.com', 'self');
        return c.pem + c.keyPem;
      },
      'SSL certificate problem: self-signed certificate',
    ],
    [
      'a certificate from an unknown CA',
      async () => {
        const evil = await issue('Evil CA', 'self');
        const c = await issue('www.example.com', { name: 'Evil CA', key: evil.key });
        return c.pem + c.keyPem;
      },
      'SSL certificate problem: unable to get local issuer certificate',
    ],
    [
      'a trusted certificate for another name',
      async () => {
        const c = await issue('evil.example.net', { name: 'Sandbox Root CA', key: ca.key });
        return c.pem + c.keyPem;
      },
      "SSL: no alternative certificate subject name matches target host name 'www.example.com'",
    ],
    [
      'the real certificate without its private key',
      async () => {
        const other = await issue('www.example.com', 'self');
        return site.split('-----BEGIN PRIVATE KEY-----')[0] + other.keyPem;
      },
      'SSL routines::bad signature',
    ],
  ])('an impostor with %s is refused before any request is sent', async (_, crt, message) => {
    const app = await server(await crt());
    await expect(login(app.port, { servername: 'www.example.com', trusted: [ca.certificate] })).rejects.toThrow(
      message,
    );
    expect(app.received).toEqual([]);
  });
});

describe('TLS termination for a server program', () => {
  it('serves an http.Server over the TLS model from a crt file, and names a missing file as HAProxy does', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'crt-'));
    try {
      writeFileSync(join(folder, 'site.pem'), site);
      const app = http.createServer((req, res) =>
        res.end(`encrypted=${(req.socket as unknown as { encrypted?: boolean }).encrypted === true}\n`),
      );
      const front = await tlsFront(app, join(folder, 'site.pem'));
      await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
      cleanup.push(() => front.close());
      const trusted = readTrust(ca.pem);
      const body = await new Promise<string>((resolve, reject) => {
        const req = http.get(
          {
            path: '/',
            createConnection: () =>
              secureConnect(
                net.connect((front.address() as net.AddressInfo).port, '127.0.0.1'),
                'www.example.com',
                trusted,
              ) as unknown as net.Socket,
          },
          (res) => {
            let text = '';
            res.on('data', (c) => (text += c));
            res.on('end', () => resolve(text));
          },
        );
        req.on('error', reject);
      });
      expect(body).toBe('encrypted=true\n');
      await expect(loadCrt(join(folder, 'missing.pem'))).rejects.toThrow(
        `unable to load SSL certificate file '${join(folder, 'missing.pem')}': No such file or directory`,
      );
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
