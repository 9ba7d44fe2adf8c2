// The constrained mode of the local bridge (?constraints=webcontainer): each limit WebContainers are documented to
// have, observed by a real process running under it. It emulates those limits; it proves nothing about StackBlitz.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, startBridge, until, type Client, type TestBridge } from './harness';
import { alive } from '../support/sandbox-node';

let target: TestBridge;
let client: Client;
beforeAll(async () => {
  target = await startBridge();
  client = await connect(target, { constraints: 'webcontainer' });
});
afterAll(async () => {
  await client?.close();
  await target?.close(); // the busy processes left by the tests end CLEANUP_BOUND_MS (5 s) after the session
}, 20_000);

const exitOf = (id: number) => client.waitFor((r) => r.type === 'exit' && r.id === id);

describe('a program under the constraints of a WebContainer', () => {
  it('finds no /proc, no global fetch, and a FileHandle whose datasync and sync reject as not implemented', async () => {
    const id = client.send({ type: 'spawn', program: 'limits', args: [], cwd: 'sandbox-1' });
    const seen = await client.outputLine<Record<string, unknown>>(id, (l) => 'fetch' in l);
    expect(seen).toMatchObject({
      fetch: 'undefined',
      procExists: false,
      procRead: 'ENOENT',
      procReadAsync: 'ENOENT',
      datasync: 'ENOSYS: function not implemented, fdatasync',
      sync: 'ENOSYS: function not implemented, fsync',
    });
  });

  it('has no signal reach its handlers: SIGTERM, SIGHUP, SIGUSR2 and SIGINT sent to itself do nothing', async () => {
    const id = client.send({ type: 'spawn', program: 'limits', args: [] });
    const seen = await client.outputLine<{ handled: string[] }>(id, (l) => 'handled' in l);
    expect(seen.handled).toEqual([]);
  });

  it('cannot stop or signal a child with anything but SIGKILL, whose end is not reported as a SIGKILL', async () => {
    const id = client.send({ type: 'spawn', program: 'signals', args: [] });
    const report = await client.outputLine<{
      aliveAfterSignals: boolean;
      outputAfterSignals: string;
      code: number;
      signal: string | null;
    }>(id, (l) => 'aliveAfterSignals' in l);
    expect(report).toEqual({ aliveAfterSignals: true, outputAfterSignals: 'listening\n', code: 137, signal: null });
  });

  it('cannot SIGKILL a child busy in a hot loop until its event loop is free again', async () => {
    const id = client.send({ type: 'spawn', program: 'busy', args: [] });
    const report = await client.outputLine<{ waitedMs: number; code: number; signal: string | null }>(
      id,
      (l) => 'waitedMs' in l,
      20_000,
    );
    // The child loops for 1,500 ms from just before it says 'busy'; the kill is sent as soon as that line arrives.
    expect(report.waitedMs).toBeGreaterThanOrEqual(1000);
    expect(report).toMatchObject({ code: 137, signal: null });
  });

  it('writes stdout and stderr into one output, through a terminal that turns each \\n into \\r\\n', async () => {
    const id = client.send({ type: 'spawn', program: 'limits', args: [] });
    await exitOf(id);
    const output = client.output(id);
    expect(output).toContain('to stderr\r\n');
    expect(output).toMatch(/\{"fetch".*\}\r\n/);
    expect(output.replace(/\r\n/g, '')).not.toContain('\n');
  });

  it('without a terminal size, has its input echoed back on its output, with Enter read as a newline', async () => {
    const id = client.send({ type: 'spawn', program: 'echo', args: [] });
    await client.outputLine(id, (l: object) => 'cwd' in l);
    client.send({ type: 'input', id, data: '{"cmd":"status"}\r' });
    await client.outputLine<{ input: string }>(id, (l) => l.input === '{"cmd":"status"}\n');
    expect(client.output(id)).toContain('{"cmd":"status"}\r\n');
  });

  it('with a terminal size (raw, as the shell sets it), gets its keystrokes as typed and no echo', async () => {
    const id = client.send({ type: 'spawn', program: 'echo', args: [], terminal: { cols: 80, rows: 24 } });
    await client.outputLine(id, (l: object) => 'cwd' in l);
    client.send({ type: 'input', id, data: 'ls\r' });
    await client.outputLine<{ input: string }>(id, (l) => l.input === 'ls\r');
    expect(client.output(id)).not.toContain('ls\r\n');
  });

  it('runs as node ../bin/<program>.js from its sandbox folder, in one tree with the bundles, which the page cannot write', async () => {
    const id = client.send({ type: 'spawn', program: 'echo', args: [], cwd: 'sandbox-2' });
    const { cwd, program, root } = await client.outputLine<{ cwd: string; program: string; root: string }>(
      id,
      (l) => 'cwd' in l,
    );
    expect(root).toBe(cwd);
    expect(program).toBe(`${cwd.replace(/sandbox-2$/, '')}bin/echo.js`);
    expect(existsSync(`${cwd}/../bin/echo.js`)).toBe(true);
    const write = client.send({ type: 'writeFile', path: 'bin/echo.js', contents: 'process.exit(7)' });
    expect(await client.waitFor((r) => 'id' in r && r.id === write)).toMatchObject({
      type: 'error',
      message: "refused path 'bin/echo.js': the programs in bin/ are the bridge's, not the page's",
    });
  });
});

describe('cleanup under the constraints', () => {
  it("the page's kill does not end a busy process, as in a WebContainer", async () => {
    const id = client.send({ type: 'spawn', program: 'spinner', args: [] });
    const { pids } = await client.outputLine<{ pids: number[] }>(id, (l) => 'pids' in l);
    client.send({ type: 'kill', id });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(pids.every(alive)).toBe(true);
  });

  it('closing the session still ends every process, busy ones and their children included, and removes the folder', async () => {
    const page = await connect(target, { constraints: 'webcontainer' });
    const id = page.send({ type: 'spawn', program: 'spinner', args: [], cwd: 'sandbox-1' });
    const { pids } = await page.outputLine<{ pids: number[] }>(id, (l) => 'pids' in l);
    const echo = page.send({ type: 'spawn', program: 'echo', args: [] });
    const { cwd } = await page.outputLine<{ cwd: string }>(echo, (l) => 'cwd' in l);
    expect(pids.every(alive)).toBe(true);
    await page.close();
    // The bridge's real SIGKILL comes 5 s after the emulated one (CLEANUP_BOUND_MS in bridge-session.ts).
    expect(await until(() => !pids.some(alive) && !existsSync(cwd), 15_000)).toBe(true);
  });
});
