// Attacks on the bridge from outside the page, as an attacker would make them: raw WebSocket frames over a TCP socket,
// a local program asking for the token, upgrades on other paths, links that would redirect to another host. Each
// proves the attack fails and that the server and other sessions carry on.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect as tcp, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BRIDGE_PATH, TOKEN_PATH } from '../../src/runtime/local/endpoints.ts';
import { inputPieces, MAX_PAYLOAD, MAX_TEXT } from '../../src/runtime/local/limits.ts';
import { serveCourse, type CourseServer } from '../../src/runtime/local/server.ts';
import { freePort } from '../support/ports';
import { projectRoot } from '../support/site';
import { connect, startBridge, type TestBridge } from './harness';

let target: TestBridge;
beforeAll(async () => {
  target = await startBridge();
});
afterAll(async () => {
  await target?.close();
});

/** Opens a TCP connection and sends `head` (an HTTP request); resolves with the socket and what came back so far. */
function rawRequest(
  port: number,
  head: string,
): Promise<{ socket: Socket; received: () => Buffer; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = tcp(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.on('data', (chunk) => (received = Buffer.concat([received, chunk])));
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.write(head);
      resolve({ socket, received: () => received, closed });
    });
  });
}

/** A WebSocket handshake a browser page of this server would make, over a raw socket. */
async function rawSession(
  bridge: TestBridge,
): Promise<{ socket: Socket; received: () => Buffer; closed: Promise<void> }> {
  const host = `localhost:${bridge.port}`;
  const opened = await rawRequest(
    bridge.port,
    `GET ${BRIDGE_PATH}?token=${bridge.bridge.token} HTTP/1.1\r\nHost: ${host}\r\nOrigin: http://${host}\r\nUpgrade: websocket\r\n` +
      `Connection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  // The session is open once the bridge says 'ready' (its first frame after the 101).
  const deadline = Date.now() + 10_000;
  while (!opened.received().includes('"ready"') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(opened.received().toString('latin1')).toMatch(/^HTTP\/1\.1 101 /);
  return opened;
}

/** A client frame: FIN, the opcode, masked (as clients must) unless told otherwise. */
function frame(first: number, payload: Buffer, { masked = true, length = payload.length } = {}): Buffer {
  const mask = randomBytes(4);
  const size =
    length < 126
      ? Buffer.from([length])
      : length < 65536
        ? Buffer.from([126, length >> 8, length & 255])
        : Buffer.concat([Buffer.from([127]), bigLength(length)]);
  size[0] |= masked ? 0x80 : 0;
  const body = masked ? Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4])) : payload;
  return Buffer.concat([Buffer.from([first]), size, masked ? mask : Buffer.alloc(0), body]);
}
function bigLength(length: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(BigInt(length));
  return bytes;
}

describe('malformed WebSocket frames', () => {
  it.each([
    ['a frame over maxPayload', frame(0x81, Buffer.alloc(16), { length: MAX_PAYLOAD + 1 })],
    ['invalid UTF-8 in a text frame', frame(0x81, Buffer.from([0xff, 0xfe, 0xfd]))],
    ['a reserved opcode', frame(0x83, Buffer.from('x'))],
    ['a reserved bit (RSV1 with no extension)', frame(0xc1, Buffer.from('x'))],
    ['an unmasked client frame', frame(0x81, Buffer.from('{}'), { masked: false })],
    ['a close frame with code 999', frame(0x88, Buffer.from([0x03, 0xe7]))],
  ])('%s closes that connection only: the server and another session carry on', async (_name, bad) => {
    const other = await connect(target);
    const { socket, closed } = await rawSession(target);
    socket.write(bad);
    await expect(
      Promise.race([closed.then(() => 'closed'), new Promise((r) => setTimeout(() => r('still open'), 5000))]),
    ).resolves.toBe('closed');
    const id = other.send({ type: 'spawn', program: 'echo', args: [] });
    await other.outputLine(id, (l: object) => 'cwd' in l);
    await other.close();
  });
});

describe('a large paste', () => {
  it('of 5 MiB into a terminal arrives whole, in the pieces the page sends, with no character split', async () => {
    const client = await connect(target);
    const id = client.send({ type: 'spawn', program: 'count', args: [] });
    await client.waitFor((r) => r.type === 'spawned' && r.id === id);
    const paste = '€'.repeat(5 * 1024 * 1024 - 7) + 'a😀b\n';
    for (const piece of inputPieces(paste + 'END\n')) client.send({ type: 'input', id, data: piece });
    const { received, last } = await client.outputLine<{ received: number; last: string }>(
      id,
      (l) => 'received' in l,
      30_000,
    );
    expect(received).toBe(paste.length);
    expect(last).toBe('€a😀b\n');
    await client.close();
  });

  it('sent as one over-long message is refused with a message, and the session carries on', async () => {
    const client = await connect(target);
    const id = client.send({ type: 'spawn', program: 'echo', args: [] });
    await client.outputLine(id, (l: object) => 'cwd' in l);
    const input = client.send({ type: 'input', id, data: 'x'.repeat(MAX_TEXT + 1) });
    expect(await client.waitFor((r) => r.type === 'error' && r.id === input)).toMatchObject({
      message: `the bridge did not understand a message: at most ${MAX_TEXT} characters at a time`,
    });
    client.send({ type: 'input', id, data: 'still here' });
    await client.outputLine<{ input: string }>(id, (l) => l.input === 'still here');
    await client.close();
  });
});

describe('the token', () => {
  it('is refused to a local program that sends no Sec-Fetch-Site header (curl), with no CORS header', async () => {
    const answer = await fetch(`http://localhost:${target.port}${TOKEN_PATH}`);
    expect(answer.status).toBe(403);
    const text = await answer.text();
    expect(text).not.toContain(target.bridge.token);
    expect(text).toMatch(/only given to pages of this site/);
    expect([...answer.headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual([]);
  });

  it('is refused to a same-site (not same-origin) page, another port of localhost', async () => {
    const answer = await fetch(`http://localhost:${target.port}${TOKEN_PATH}`, {
      headers: { 'sec-fetch-site': 'same-site' },
    });
    expect(answer.status).toBe(403);
  });
});

describe('the static server of npm start', () => {
  let server: CourseServer;
  let dist: string;
  beforeAll(async () => {
    dist = mkdtempSync(join(tmpdir(), 'course-dist-'));
    mkdirSync(join(dist, 'overview'));
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>course</title>');
    writeFileSync(join(dist, 'overview', 'index.html'), '<!doctype html><title>overview</title>');
    server = await serveCourse({ root: projectRoot, port: await freePort(), dist });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dist, { recursive: true, force: true });
  });

  const status = (path: string) =>
    new Promise<{ status: number; location?: string }>((resolve, reject) => {
      request({ host: '127.0.0.1', port: server.port, path, headers: { host: `localhost:${server.port}` } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, location: res.headers.location });
      })
        .on('error', reject)
        .end();
    });

  it('redirects a folder to its slash on the same host, and never //host/.. paths to another host', async () => {
    expect(await status('/overview?x=1')).toEqual({ status: 301, location: '/overview/?x=1' });
    for (const path of [
      '//evil.example/../overview',
      '//evil.example/%2e%2e/overview',
      '/\\evil.example/../overview',
      '/a/../overview',
    ]) {
      const answer = await status(path);
      expect(answer.location ?? '', path).not.toMatch(/^(\/\/|\/\\|[a-z]+:)/i);
      expect(answer.status, path).not.toBe(301);
    }
  });

  it.each(['http://[', 'http://a b/'])(
    'answers a request for %s (a target Node cannot parse) with 400, and serves on',
    async (path) => {
      const { received, closed } = await rawRequest(
        server.port,
        `GET ${path} HTTP/1.1\r\nHost: localhost:${server.port}\r\nConnection: close\r\n\r\n`,
      );
      await expect(
        Promise.race([closed.then(() => 'closed'), new Promise((r) => setTimeout(() => r('hanging'), 5000))]),
      ).resolves.toBe('closed');
      expect(received().toString('latin1')).toMatch(/^HTTP\/1\.1 400 /);
      expect((await status('/overview/')).status).toBe(200);
    },
  );

  it.each(['/', '/overview/', '/__vite_hmr', `${BRIDGE_PATH}x`])(
    'answers a WebSocket upgrade on another path (%s) with 404 and closes it',
    async (path) => {
      const { received, closed } = await rawRequest(
        server.port,
        `GET ${path} HTTP/1.1\r\nHost: localhost:${server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
      await expect(
        Promise.race([closed.then(() => 'closed'), new Promise((r) => setTimeout(() => r('hanging'), 5000))]),
      ).resolves.toBe('closed');
      expect(received().toString('latin1')).toMatch(/^HTTP\/1\.1 404 /);
    },
  );
});
