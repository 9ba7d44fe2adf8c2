// A node that does not exit after SIGKILL. It happens in a WebContainer, where a process busy in a hot loop cannot be
// killed until its event loop frees (webcontainer-core#1121); on Linux no process survives a real SIGKILL, so this
// test runs the supervisor's Node under the local runtime's constrained mode, whose SIGKILL is cooperative as there.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { constrainedEnv } from '../../../src/runtime/local/constraints';
import type { SandboxEvent } from '../../../sandboxes/contracts/events/index';
import { Node } from '../../../sandboxes/supervisor/node';
import { EventStream } from '../../../sandboxes/supervisor/stream';
import { alive } from '../../support/sandbox-node';

// A program that takes commands, and on any line spins for ever without yielding (a CPU-bound bug).
const BUSY = `process.stdout.write(JSON.stringify({ type: 'control.ready', commands: [] }) + '\\n');
process.stdin.on('data', () => { for (;;); });
`;

describe('a node that does not exit after SIGKILL (a busy process under WebContainer constraints)', () => {
  const folder = mkdtempSync(join(tmpdir(), 'bounds-'));
  const events: SandboxEvent[] = [];
  const pids: number[] = [];
  let node: Node;

  beforeAll(async () => {
    // This test process sends its SIGKILLs as the constrained runtime does, and the node runs under its limits.
    const limits = '../../../src/runtime/local/webcontainer-limits.mjs'; // plain JavaScript, loaded for what it changes
    await import(limits);
    process.env.NODE_OPTIONS = constrainedEnv({}).NODE_OPTIONS;
    writeFileSync(join(folder, 'busy.js'), BUSY);
    const stream = new EventStream(() => undefined);
    stream.subscribe((event) => events.push(event));
    node = new Node(
      { name: 'busy-01', role: 'web', program: 'busy', address: '10.0.0.99', ports: [], args: [] },
      { session: folder, dist: folder, net: join(folder, 'net') },
      stream,
    );
  });
  afterAll(() => {
    delete process.env.NODE_OPTIONS;
    // What the supervisor abandoned is still there: end it for real.
    for (const pid of pids.filter(alive)) spawnSync('kill', ['-KILL', String(pid)]);
    rmSync(folder, { recursive: true, force: true });
  });

  it('is reported as abandoned after the bound, and the node can be started again', async () => {
    expect(await node.start()).toMatch(/^started busy-01 \(pid \d+\)$/);
    const busy = node.pid!;
    pids.push(busy);
    node.tell('spin');
    await new Promise((resolve) => setTimeout(resolve, 300));

    const asked = performance.now();
    await expect(node.kill()).rejects.toThrow(
      new RegExp(`^busy-01 \\(pid ${busy}\\) did not exit within 3 s of SIGKILL; abandoned$`),
    );
    const waited = performance.now() - asked;
    expect(waited).toBeGreaterThanOrEqual(2900);
    expect(waited).toBeLessThan(6000);
    expect(alive(busy)).toBe(true); // honest: it is still there, and said so
    expect(events.findLast((e) => e.type === 'node.exited')).toMatchObject({
      name: 'busy-01',
      cause: 'killed',
      state: 'stopped',
      abandoned: true,
    });
    expect(events.findLast((e) => e.type === 'log')).toMatchObject({
      level: 'error',
      text: expect.stringContaining('abandoned'),
    });
    expect(node.status()).toMatchObject({ state: 'stopped', exit: { cause: 'killed' } });

    // The supervisor carries on: the node starts again, and a node whose event loop is free is killed at once.
    expect(await node.start()).toMatch(/^started busy-01 \(pid \d+\)$/);
    pids.push(node.pid!);
    expect(node.pid).not.toBe(busy);
    const again = performance.now();
    expect(await node.kill()).toMatch(/^killed busy-01 \(pid \d+\) with SIGKILL$/);
    expect(performance.now() - again).toBeLessThan(2000);
  }, 30_000);

  it('a graceful stop of a busy node ends in the same bound: stop, then SIGKILL, then abandoned', async () => {
    await node.start();
    const busy = node.pid!;
    pids.push(busy);
    node.tell('spin');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const asked = performance.now();
    expect(await node.stop()).toBe(`busy-01 (pid ${busy}) did not exit within 3 s of SIGKILL; abandoned`);
    expect(performance.now() - asked).toBeLessThan(2000 + 3000 + 1500);
    expect(node.state).toBe('stopped');
  }, 30_000);
});
