// `npm start` end to end: it serves the built course with the bridge, a page's session runs real sandbox
// programs, and Ctrl-C (SIGINT), or a signal sent to npm alone, ends the server and every process it started.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TOKEN_PATH } from '../../src/runtime/local/endpoints.ts';
import { commandOf, descendantsOf } from '../../src/runtime/local/processes.ts';
import { freePort } from '../support/ports';
import { BUILD_TIMEOUT_MS, projectRoot } from '../support/site';
import { Client, until } from './harness';
import { alive } from '../support/sandbox-node';
import WebSocket from 'ws';

/** A bridge session as a page of the served course opens it (the token as a browser asks for it, then the socket). */
async function openPage(port: number): Promise<Client> {
  const { token, path } = (await (
    await fetch(`http://localhost:${port}${TOKEN_PATH}`, { headers: { 'sec-fetch-site': 'same-origin' } })
  ).json()) as { token: string; path: string };
  const ws = new WebSocket(`ws://localhost:${port}${path}?token=${token}`, { origin: `http://localhost:${port}` });
  const programs = await new Promise<string[]>((resolve, reject) => {
    ws.once('message', (raw) => resolve((JSON.parse(raw.toString()) as { programs: string[] }).programs));
    ws.once('error', reject);
  });
  return new Client(ws, programs);
}

let server: ChildProcess | undefined;
afterAll(() => {
  if (server?.exitCode === null) server.kill('SIGKILL');
});

it(
  'npm start serves the course, runs the shell for a page, and leaves no process behind on Ctrl-C',
  { timeout: BUILD_TIMEOUT_MS },
  async () => {
    const port = await freePort();
    server = spawn(process.execPath, [join(projectRoot, 'scripts', 'start.mjs')], {
      cwd: projectRoot,
      env: { ...process.env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let printed = '';
    server.stdout!.on('data', (chunk) => (printed += chunk));
    server.stderr!.on('data', (chunk) => (printed += chunk));
    expect(
      await until(() => printed.includes('The course is at'), BUILD_TIMEOUT_MS - 30_000),
      printed.slice(-2000),
    ).toBe(true);
    expect(printed).toContain(`The course is at http://localhost:${port}/`);
    // What a newcomer needs and nothing else: that the course is being built (if it is), where it is, how to stop it.
    const lines = printed.split('\n').filter((line) => line.trim());
    expect(
      lines.filter(
        (line) =>
          !/^(Building the course \(.+\)…|Built in \d+ s\.|The course is at .+ Press Ctrl-C to stop\.)$/.test(line),
      ),
    ).toEqual([]);

    const page = await fetch(`http://localhost:${port}/overview/`);
    expect(page.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    const client = await openPage(port);
    expect(client.programs).toEqual(expect.arrayContaining(['shell', 'supervisor']));

    const shell = client.send({ type: 'spawn', program: 'shell', args: [], terminal: { cols: 80, rows: 24 } });
    const spawned = await client.waitFor((r) => r.type === 'spawned' && r.id === shell);
    await client.waitFor(() => client.output(shell).includes("Type 'help'"));
    const pid = spawned.type === 'spawned' ? spawned.pid : 0;
    expect(alive(pid)).toBe(true);

    server.kill('SIGINT');
    const code = await new Promise((resolve) => server!.once('exit', resolve));
    expect(code).toBe(0);
    expect(await until(() => !alive(pid), 5_000)).toBe(true);
    client.ws.terminate();
  },
);

describe('npm start signalled alone (an IDE stop button, a process manager)', () => {
  let npm: ChildProcess | undefined;
  afterEach(() => {
    // Whatever this test's npm left, if anything (its group: npm, the server, the sandboxes).
    if (npm?.pid) signalGroup(npm.pid, 'SIGKILL');
  });

  it.each(['SIGTERM', 'SIGINT', 'SIGHUP'] as const)(
    '%s to npm alone ends the server and every sandbox process',
    { timeout: BUILD_TIMEOUT_MS },
    async (signal) => {
      const port = await freePort();
      // Its own process group, so that only what this test sends reaches it.
      npm = spawn('npm', ['start'], {
        cwd: projectRoot,
        env: { ...process.env, PORT: String(port) },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      let printed = '';
      npm.stdout!.on('data', (chunk) => (printed += chunk));
      npm.stderr!.on('data', (chunk) => (printed += chunk));
      expect(
        await until(() => printed.includes('The course is at'), BUILD_TIMEOUT_MS - 30_000),
        printed.slice(-2000),
      ).toBe(true);
      const server = [...descendantsOf([npm.pid!]).keys()].find((pid) =>
        /^\S*node\S* .*scripts\/start\.mjs/.test(commandOf(pid)),
      );
      expect(server, 'the server process under npm').toBeDefined();

      const client = await openPage(port);
      const supervisor = client.send({
        type: 'spawn',
        program: 'supervisor',
        args: ['--scenario', 'two-servers'],
        cwd: 'sandbox-1',
      });
      await client.waitFor(() => client.output(supervisor).includes('"type":"ready"'), 60_000);
      const sandbox = [...descendantsOf([server!]).keys()];
      expect(sandbox.length, 'the supervisor and its nodes').toBeGreaterThanOrEqual(4);

      process.kill(npm.pid!, signal);
      expect(
        await until(() => !alive(server!) && !sandbox.some(alive), 15_000),
        `still running: ${[server!, ...sandbox].filter(alive).map(commandOf).join('; ')}`,
      ).toBe(true);
      client.ws.terminate();
    },
  );
});

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // every process of the group has ended
  }
}
