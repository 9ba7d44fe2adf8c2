// Attacks on the bridge's resources and on its file operations, made as a hostile page or program would: too many
// pages, processes that multiply or leave their group, a folder filled up, links swapped under a page's reads and
// writes. Each proves the attack fails and that nothing outside the session changed.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SESSIONS } from '../../src/runtime/local/bridge.ts';
import type { Reply } from '../../src/runtime/local/protocol.ts';
import { MAX_FILES, MAX_PROCESSES } from '../../src/runtime/local/bridge-session.ts';
import WebSocket from 'ws';
import { BRIDGE_PATH } from '../../src/runtime/local/endpoints.ts';
import { connect, startBridge, until, type Client, type TestBridge } from './harness';
import { alive } from '../support/sandbox-node';

let target: TestBridge;
let outside: string;
beforeAll(async () => {
  target = await startBridge();
  outside = mkdtempSync(join(tmpdir(), 'bridge-outside-'));
});
afterAll(async () => {
  await target?.close();
  rmSync(outside, { recursive: true, force: true });
});

/** What the bridge says first to a page that connects: 'ready', or why not (the harness's `open` waits for 'ready'). */
function firstMessage(bridge: TestBridge): Promise<string> {
  const ws = new WebSocket(`ws://127.0.0.1:${bridge.port}${BRIDGE_PATH}?token=${bridge.bridge.token}`, {
    origin: `http://localhost:${bridge.port}`,
    headers: { host: `localhost:${bridge.port}` },
  });
  return new Promise((resolve) =>
    ws.once('message', (raw) => resolve((JSON.parse(raw.toString()) as Extract<Reply, { type: 'error' }>).message)),
  );
}

/** The pids a swarm has printed so far. */
const swarmPids = (client: Client, id: number) =>
  client
    .output(id)
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => (JSON.parse(line) as { pid: number }).pid);

const replyTo = (client: Client, id: number) => client.waitFor((r) => 'id' in r && r.id === id && r.type !== 'output');
/** The message with which the bridge stops a session. */
async function stopNotice(client: Client, withinMs = 15_000): Promise<string> {
  const notice = await client.waitFor(
    (r) => r.type === 'error' && r.id === null && r.message.startsWith('The sandbox bridge stopped'),
    withinMs,
  );
  return notice.type === 'error' ? notice.message : '';
}

describe('sessions', () => {
  it(`a page beyond the ${MAX_SESSIONS} the server serves at once is refused with a clear message, and the others carry on`, async () => {
    const other = await startBridge();
    const pages = await Promise.all(Array.from({ length: MAX_SESSIONS }, () => connect(other)));
    const message = await firstMessage(other);
    expect(message).toBe(`The sandbox bridge already serves ${MAX_SESSIONS} pages, its limit.`);
    const id = pages[0].send({ type: 'spawn', program: 'echo', args: [] });
    await pages[0].outputLine(id, (l: object) => 'cwd' in l);
    await other.close();
  }, 30_000);

  it('a session folder that cannot be made (a full disk) is an error for that page, and the server carries on', async () => {
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = join(outside, 'no-such-folder');
    try {
      expect(await firstMessage(target)).toMatch(
        /^The sandbox bridge could not make a session folder for this page: ENOENT/,
      );
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
    const client = await connect(target);
    const id = client.send({ type: 'spawn', program: 'echo', args: [] });
    await client.outputLine(id, (l: object) => 'cwd' in l);
    await client.close();
  });
});

describe('processes', () => {
  it('are counted with all their descendants: with a program and its 12 children running, the next spawn sees 13', async () => {
    const client = await connect(target);
    const swarm = client.send({ type: 'spawn', program: 'swarm', args: ['12'] });
    await client.waitFor(() => swarmPids(client, swarm).length === 13, 30_000);
    const fill = client.send({ type: 'spawn', program: 'swarm', args: [String(MAX_PROCESSES - 13 - 1)] });
    await client.waitFor(() => swarmPids(client, fill).length === MAX_PROCESSES - 13, 30_000);
    const pids = [...swarmPids(client, swarm), ...swarmPids(client, fill)];
    const refused = client.send({ type: 'spawn', program: 'echo', args: [] });
    expect(await replyTo(client, refused)).toEqual({
      type: 'error',
      id: refused,
      message: `refused to start 'echo': this page's sandbox already runs ${MAX_PROCESSES} processes (at most ${MAX_PROCESSES}); stop one first`,
    });
    await client.close();
    expect(await until(() => !pids.some(alive))).toBe(true);
  });

  it('that multiply past the limit on their own are all stopped, and the page and the terminal are told why', async () => {
    const client = await connect(target);
    const swarm = client.send({ type: 'spawn', program: 'swarm', args: [String(MAX_PROCESSES + 5)] });
    expect(await stopNotice(client)).toMatch(/^The sandbox bridge stopped this page's programs/);
    // Its output, the pids and the reason, is all forwarded before its exit is (the notice can come first).
    await client.waitFor((r) => r.type === 'exit' && r.id === swarm);
    const reason =
      /The sandbox bridge stopped this page's programs: this page's sandbox ran (\d+) processes \(at most 32\)/.exec(
        client.output(swarm),
      );
    expect(Number(reason?.[1])).toBeGreaterThan(MAX_PROCESSES);
    // The bridge counts processes, not lines: the last child may be stopped before the swarm printed its pid.
    const pids = swarmPids(client, swarm);
    expect(pids.length).toBeGreaterThanOrEqual(MAX_PROCESSES);
    expect(await until(() => !pids.some(alive))).toBe(true);
    await client.close();
  });

  it('that leave their process group and their parent (setsid, double fork) still end with the session', async () => {
    const client = await connect(target);
    const id = client.send({ type: 'spawn', program: 'escape', args: [] });
    const { escaped } = await client.outputLine<{ escaped: number }>(id, (l) => 'escaped' in l);
    expect(alive(escaped)).toBe(true);
    await client.close();
    expect(await until(() => !alive(escaped))).toBe(true);
  });
});

describe('the session folder', () => {
  it(`filled past ${MAX_FILES} files by a program stops the session, with the reason`, async () => {
    const client = await connect(target);
    const id = client.send({
      type: 'spawn',
      program: 'filler',
      args: ['files', String(MAX_FILES + 100)],
      cwd: 'sandbox-1',
    });
    await client.outputLine(id, (l: object) => 'filled' in l, 30_000);
    expect(await stopNotice(client)).toMatch(
      /the session folder holds \d+ files and [\d.]+ MB \(at most 5000 files and 64\.0 MB\)/,
    );
    await client.waitFor((r) => r.type === 'exit' && r.id === id);
    await client.close();
  }, 40_000);

  it('filled past 64 MB by a program stops the session', async () => {
    const client = await connect(target);
    client.send({ type: 'spawn', program: 'filler', args: ['bytes', '70'] });
    // The bridge's periodic look may find the file past 64 MB while it is still being written (a slow disk, a busy
    // machine) and stop the program before it says it is done: the notice is what counts.
    const notice = await stopNotice(client, 30_000);
    const megabytes = Number(/the session folder holds \d+ files and ([\d.]+) MB/.exec(notice)?.[1]);
    expect(megabytes, notice).toBeGreaterThanOrEqual(64);
    expect(megabytes).toBeLessThanOrEqual(70.1);
    await client.close();
  }, 40_000);

  it('refuses a mount that would take it past its quota, before writing anything', async () => {
    const client = await connect(target);
    const tree = Object.fromEntries(
      Array.from({ length: MAX_FILES + 1 }, (_, i) => [`f${i}`, { file: { contents: '' } }]),
    );
    const id = client.send({ type: 'mount', tree: { many: { directory: tree } } });
    expect(await replyTo(client, id)).toMatchObject({
      type: 'error',
      message: expect.stringMatching(/^refused mount: the session folder would hold 5002 files/),
    });
    const read = client.send({ type: 'readFile', path: 'many/f0' });
    expect(await replyTo(client, read)).toMatchObject({ type: 'error', message: "no such file: 'many/f0'" });
    await client.close();
  });
});

describe('file operations against a hostile program', () => {
  let client: Client;
  beforeAll(async () => {
    client = await connect(target);
  });
  afterAll(async () => {
    await client?.close();
  });

  it('a symbolic link swapped in and out in a loop wins none of 1,000 reads and 1,000 writes', async () => {
    const secret = join(outside, 'secret.txt');
    writeFileSync(secret, 'SECRET');
    const swapper = client.send({ type: 'spawn', program: 'swapper', args: [secret] });
    await client.outputLine(swapper, (l: object) => 'swapping' in l);
    const replies: Reply[] = [];
    for (let i = 0; i < 1000; i++) {
      replies.push(await replyTo(client, client.send({ type: 'readFile', path: 'target' })));
      replies.push(await replyTo(client, client.send({ type: 'writeFile', path: 'target', contents: `page ${i}` })));
    }
    client.send({ type: 'kill', id: swapper });
    const leaked = replies.filter((r) => r.type === 'done' && r.contents === 'SECRET');
    expect(leaked).toEqual([]);
    expect(readFileSync(secret, 'utf8')).toBe('SECRET');
    // The race did happen: some operations met the link and were refused, others met the file.
    expect(replies.some((r) => r.type === 'error' && /symbolic link/.test(r.message))).toBe(true);
    expect(replies.some((r) => r.type === 'done')).toBe(true);
  }, 60_000);

  it('a hard link to a file outside can be neither read nor written', async () => {
    const secret = join(outside, 'hard-secret.txt');
    writeFileSync(secret, 'SECRET');
    const id = client.send({ type: 'spawn', program: 'hardlinker', args: [secret] });
    await client.outputLine(id, (l: object) => 'linked' in l);
    for (const ask of [
      { type: 'readFile', path: 'hard' },
      { type: 'writeFile', path: 'hard', contents: 'owned' },
    ] as const) {
      const asked = client.send(ask);
      expect(await replyTo(client, asked)).toMatchObject({
        type: 'error',
        message: "refused path 'hard': it is a hard link to a file that may be outside the session folder",
      });
    }
    expect(readFileSync(secret, 'utf8')).toBe('SECRET');
  });

  it('a mount through a symbolically linked folder writes nothing outside', async () => {
    const id = client.send({ type: 'spawn', program: 'linker', args: [] });
    await client.outputLine(id, (l: object) => 'linked' in l);
    const planted = join(outside, 'planted.txt');
    const mount = client.send({
      type: 'mount',
      tree: {
        outside: { directory: { [outside.slice(1)]: { directory: { 'planted.txt': { file: { contents: 'x' } } } } } },
      },
    });
    expect(await replyTo(client, mount)).toMatchObject({
      type: 'error',
      message: expect.stringMatching(/symbolic link/),
    });
    const dir = client.send({
      type: 'mount',
      tree: { outside: { directory: { [outside.slice(1)]: { directory: { made: { directory: {} } } } } } },
    });
    expect(await replyTo(client, dir)).toMatchObject({
      type: 'error',
      message: expect.stringMatching(/symbolic link/),
    });
    expect(existsSync(planted) || existsSync(join(outside, 'made'))).toBe(false);
  });
});
