// The local bridge lets a page on this computer run sandbox programs, and nothing else: these tests attack it the
// ways a hostile web page could, and check that a session's processes and files never outlive it.
import { existsSync, readdirSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_PATH } from '../../src/runtime/local/endpoints.ts';
import { connect, open, startBridge, until, type Client, type TestBridge } from './harness';
import { alive } from '../support/sandbox-node';

let target: TestBridge;
beforeAll(async () => {
  target = await startBridge();
});
afterAll(async () => {
  await target?.close();
});

async function refusal(attempt: Parameters<typeof open>[1]) {
  const result = await open(target, attempt);
  expect('refused' in result, 'the connection should have been refused').toBe(true);
  return 'refused' in result ? result.refused : { status: 0, reason: '' };
}

describe('who may connect', () => {
  it('a page of this server with the token gets a session and the list of programs', async () => {
    const client = await connect(target);
    expect(client.programs).toEqual([
      'busy',
      'count',
      'echo',
      'escape',
      'family',
      'filler',
      'hardlinker',
      'limits',
      'linker',
      'signals',
      'spinner',
      'swapper',
      'swarm',
    ]);
    await client.close();
  });

  it('a connection without a token is refused', async () => {
    const { status, reason } = await refusal({ token: undefined });
    expect(status).toBe(403);
    expect(reason).toMatch(/missing or wrong sandbox token/);
  });

  it('a connection with a wrong token is refused', async () => {
    const { status, reason } = await refusal({
      token: target.bridge.token.replace(/^./, (c) => (c === 'a' ? 'b' : 'a')),
    });
    expect(status).toBe(403);
    expect(reason).toMatch(/missing or wrong sandbox token/);
  });

  it('a page from another origin is refused, even with the right token', async () => {
    const { status, reason } = await refusal({ origin: 'https://evil.example' });
    expect(status).toBe(403);
    expect(reason).toMatch(/only accepts pages from http:\/\/localhost:\d+, not from 'https:\/\/evil.example'/);
  });

  it('a connection with no Origin at all is refused', async () => {
    const { status } = await refusal({ origin: undefined });
    expect(status).toBe(403);
  });

  it('a DNS-rebinding page (a foreign host name that points at 127.0.0.1) is refused', async () => {
    const { status, reason } = await refusal({
      host: `evil.example:${target.port}`,
      origin: `http://evil.example:${target.port}`,
    });
    expect(status).toBe(403);
    expect(reason).toMatch(/only answers to localhost/);
  });

  it('the token is given to same-origin pages and refused to cross-site requests and foreign hosts', async () => {
    const url = `http://127.0.0.1:${target.port}${TOKEN_PATH}`;
    const same = await fetch(url, { headers: { 'sec-fetch-site': 'same-origin' } });
    expect(await same.json()).toMatchObject({ token: target.bridge.token });
    expect(same.headers.get('cache-control')).toBe('no-store');
    const crossSite = await fetch(url, { headers: { 'sec-fetch-site': 'cross-site' } });
    expect(crossSite.status).toBe(403);
    expect(await crossSite.text()).not.toContain(target.bridge.token);
    // fetch() cannot set Host, so ask as a rebinding browser would, with node:http.
    const rebound = await new Promise<number>((resolve, reject) =>
      get(url, { headers: { host: 'evil.example', 'sec-fetch-site': 'same-origin' } }, (res) =>
        resolve(res.resume().statusCode ?? 0),
      ).on('error', reject),
    );
    expect(rebound).toBe(403);
  });
});

describe('what a session may do', () => {
  let client: Client;
  beforeAll(async () => {
    client = await connect(target);
  });
  afterAll(async () => {
    await client?.close();
  });

  async function refusedSpawn(program: string, extra: object = {}): Promise<string> {
    const id = client.send({ type: 'spawn', program, args: [], ...extra });
    const reply = await client.waitFor((r) => 'id' in r && r.id === id && (r.type === 'error' || r.type === 'spawned'));
    expect(reply.type).toBe('error');
    return reply.type === 'error' ? reply.message : '';
  }

  it('an unknown program is refused by name', async () => {
    expect(await refusedSpawn('rm')).toBe(
      "refused to start 'rm': there is no sandbox program of that name (sandboxes/dist/rm.js)",
    );
  });

  it.each(['../../bin/sh', '/bin/sh', 'echo.js', 'ECHO', 'echo; rm -rf /'])(
    'a path or odd name (%s) is refused',
    async (program) => {
      expect(await refusedSpawn(program)).toMatch(/refused to start .*(plain name|no sandbox program)/);
    },
  );

  it('environment variables that could run other code (NODE_OPTIONS) are refused', async () => {
    expect(await refusedSpawn('echo', { env: { NODE_OPTIONS: '--require /tmp/x.js' } })).toMatch(
      /refused environment variable 'NODE_OPTIONS'/,
    );
  });

  it.each(['SANDBOX_NET', 'SANDBOX_ROOT', 'SANDBOX_ADDR'])(
    'a page may not set %s: the bridge and the supervisor set where a program may go',
    async (name) => {
      expect(await refusedSpawn('echo', { env: { [name]: '/' } })).toMatch(
        new RegExp(`refused environment variable '${name}'`),
      );
    },
  );

  it('each sandbox runs in its own folder inside the session folder, created on first use, and is told it is its root', async () => {
    const first = client.send({ type: 'spawn', program: 'echo', args: [], cwd: 'sandbox-1' });
    const second = client.send({ type: 'spawn', program: 'echo', args: [], cwd: 'sandbox-2' });
    const one = await client.outputLine<{ cwd: string; root: string }>(first, (l) => 'cwd' in l);
    const two = await client.outputLine<{ cwd: string; root: string }>(second, (l) => 'cwd' in l);
    expect(basename(one.cwd)).toBe('sandbox-1');
    expect(basename(two.cwd)).toBe('sandbox-2');
    expect(dirname(one.cwd)).toBe(dirname(two.cwd));
    expect(one.root).toBe(one.cwd);
    expect(two.root).toBe(two.cwd);
  });

  it.each(['..', '../x', 'a/b', '/tmp', 'Sandbox', ''])(
    'a folder that is not one plain name (%j) is refused',
    async (cwd) => {
      expect(await refusedSpawn('echo', { cwd })).toMatch(/a folder is one plain name/);
    },
  );

  it('the folder name bin is refused: it holds the programs', async () => {
    expect(await refusedSpawn('echo', { cwd: 'bin' })).toBe(
      "refused folder 'bin': it holds the programs, not a sandbox",
    );
  });

  it.each(['../outside.txt', '/../../etc/passwd', 'a/../../b', 'x\0y'])(
    'a path that leaves the session folder (%j) is refused',
    async (path) => {
      const read = client.send({ type: 'readFile', path });
      const write = client.send({ type: 'writeFile', path, contents: 'x' });
      for (const id of [read, write]) {
        const reply = await client.waitFor((r) => 'id' in r && r.id === id);
        expect(reply).toMatchObject({ type: 'error', message: expect.stringMatching(/^refused path/) });
      }
    },
  );

  it.each(['sandbox-1/.sandbox/net/ports/10.0.0.11_80', '.sandbox/control.json'])(
    "a page may not write a sandbox's own state (%j): its network table would lead a node to any local port",
    async (path) => {
      const write = client.send({ type: 'writeFile', path, contents: '22' });
      const mount = client.send({
        type: 'mount',
        tree: { 'sandbox-2': { directory: { '.sandbox': { directory: { 'x.json': { file: { contents: '{}' } } } } } } },
      });
      for (const id of [write, mount]) {
        expect(await client.waitFor((r) => 'id' in r && r.id === id)).toMatchObject({
          type: 'error',
          message: expect.stringMatching(/^refused path .*\.sandbox\/ is the sandbox's own state/),
        });
      }
    },
  );

  it('symbolic links made inside the session cannot lead reads or writes out of it', async () => {
    const id = client.send({ type: 'spawn', program: 'linker', args: [] });
    await client.outputLine<{ linked: boolean }>(id, (l) => l.linked);
    for (const ask of [
      { type: 'readFile', path: 'outside/etc/hostname' },
      { type: 'writeFile', path: 'outside/tmp/planted.txt', contents: 'x' },
      { type: 'writeFile', path: 'file-link', contents: 'x' },
    ] as const) {
      const asked = client.send(ask);
      expect(await client.waitFor((r) => 'id' in r && r.id === asked)).toMatchObject({
        type: 'error',
        message: expect.stringMatching(/^refused path/),
      });
    }
    expect(existsSync('/tmp/planted.txt') || existsSync('/tmp/bridge-symlink-target.txt')).toBe(false);
  });

  it('files written, mounted and read stay in the session folder, which is the working directory of its processes', async () => {
    const mount = client.send({
      type: 'mount',
      tree: {
        'haproxy.cfg': { file: { contents: 'global\n' } },
        conf: { directory: { 'a.txt': { file: { contents: 'A' } } } },
      },
    });
    await client.waitFor((r) => 'id' in r && r.id === mount && r.type === 'done');
    const read = client.send({ type: 'readFile', path: '/conf/a.txt' });
    expect(await client.waitFor((r) => 'id' in r && r.id === read)).toMatchObject({ type: 'done', contents: 'A' });
    const id = client.send({ type: 'spawn', program: 'echo', args: [] });
    const { cwd } = await client.outputLine<{ cwd: string }>(id, (l) => 'cwd' in l);
    expect(cwd.startsWith(tmpdir())).toBe(true);
    expect(readdirSync(cwd)).toEqual(expect.arrayContaining(['conf', 'haproxy.cfg']));
  });

  it('keystrokes reach the process, and a resize arrives on stdin as ESC [ 8 ; rows ; cols t', async () => {
    const id = client.send({
      type: 'spawn',
      program: 'echo',
      args: [],
      env: { NO_COLOR: '1' },
      terminal: { cols: 100, rows: 30 },
    });
    const start = await client.outputLine<{ columns: string; lines: string; noColor: string }>(
      id,
      (l) => 'columns' in l,
    );
    expect(start).toMatchObject({ columns: '100', lines: '30', noColor: '1' });
    client.send({ type: 'input', id, data: 'help\r' });
    await client.outputLine<{ input: string }>(id, (l) => l.input === 'help\r');
    client.send({ type: 'resize', id, cols: 120, rows: 40 });
    await client.outputLine<{ input: string }>(id, (l) => l.input === '\x1b[8;40;120t');
  });

  it('a killed process reports its exit', async () => {
    const id = client.send({ type: 'spawn', program: 'echo', args: [] });
    await client.outputLine(id, () => true);
    client.send({ type: 'kill', id });
    const exit = await client.waitFor((r) => r.type === 'exit' && r.id === id);
    expect(exit).toMatchObject({ type: 'exit', code: 128 + 15 });
  });

  it('a message that is not part of the protocol gets a clear error', async () => {
    client.ws.send('{"type":"format-disk"}');
    const reply = await client.waitFor((r) => r.type === 'error' && r.id === null);
    expect(reply).toMatchObject({ message: expect.stringMatching(/^the bridge did not understand a message/) });
  });
});

describe('nothing outlives its session or the server', () => {
  it('closing the page ends its processes, their children, and removes the session folder', async () => {
    const client = await connect(target);
    const id = client.send({ type: 'spawn', program: 'family', args: [] });
    const { pids } = await client.outputLine<{ pids: number[] }>(id, (l) => 'pids' in l);
    const echo = client.send({ type: 'spawn', program: 'echo', args: [] });
    const { cwd } = await client.outputLine<{ cwd: string }>(echo, (l) => 'cwd' in l);
    expect(pids.every(alive)).toBe(true);
    await client.close();
    expect(await until(() => !pids.some(alive) && !existsSync(cwd))).toBe(true);
  });

  it('stopping the bridge ends every session at once', async () => {
    const other = await startBridge();
    const clients = [await connect(other), await connect(other)];
    const pids = (
      await Promise.all(
        clients.map(async (client) => {
          const id = client.send({ type: 'spawn', program: 'family', args: [] });
          return (await client.outputLine<{ pids: number[] }>(id, (l) => 'pids' in l)).pids;
        }),
      )
    ).flat();
    expect(pids.every(alive)).toBe(true);
    await other.close();
    expect(await until(() => !pids.some(alive))).toBe(true);
  });
});
