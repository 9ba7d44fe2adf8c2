// A supervisor started ahead of its sandbox (`--scenario -`, src/runtime/started-ahead.ts): it loads and waits,
// touching nothing, until the scenario's name comes as the first line on stdin; then it runs that scenario as
// `--scenario NAME` would. Real processes in a fresh folder.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SandboxEvent } from '../../../sandboxes/contracts/events/index';
import { spawnEnv } from '../../support/constraints';
import { EventLog } from '../../support/event-log';
import { dist } from '../../support/sandbox-node';

/** Starting the scenario's nodes on a loaded two-core machine. */
const UP_MS = 30_000;
const EXIT_MS = 15_000;

const folders: string[] = [];
afterEach(() => folders.splice(0).forEach((folder) => rmSync(folder, { recursive: true, force: true })));

function startAhead() {
  const folder = mkdtempSync(join(tmpdir(), 'supervisor-ahead-'));
  folders.push(folder);
  const child = spawn(process.execPath, [join(dist, 'supervisor.js'), '--scenario', '-'], {
    cwd: folder,
    env: spawnEnv(process.env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (data: string) => (stderr += data));
  const log = new EventLog<SandboxEvent>(child.stdout, () => `supervisor (started ahead): ${stderr}`);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const exitCode = async () => {
    const timer = setTimeout(() => child.kill('SIGKILL'), EXIT_MS);
    return exited.finally(() => clearTimeout(timer));
  };
  return { folder, child, log, stderr: () => stderr, exitCode };
}

describe('a supervisor started ahead (--scenario -)', () => {
  it('waits without a word or a file until stdin closes, then exits 0', async () => {
    const ahead = startAhead();
    // Loaded and waiting: nothing said, nothing written into the folder.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(ahead.child.exitCode).toBeNull();
    ahead.child.stdin.end();
    expect(await ahead.exitCode()).toBe(0);
    expect(ahead.log.events).toEqual([]);
    expect(readdirSync(ahead.folder)).toEqual([]);
  });

  it(
    'runs the scenario named on its first line, and takes commands on the lines after it',
    { timeout: 60_000 },
    async () => {
      const ahead = startAhead();
      ahead.child.stdin.write('one-server\n{"cmd":"status","id":"s1"}\n');
      const scenario = await ahead.log.waitFor((e) => e.type === 'scenario', UP_MS);
      expect(scenario.event).toMatchObject({ type: 'scenario', name: 'one-server' });
      await ahead.log.waitFor((e) => e.type === 'ready', UP_MS);
      // The command sent in the same write as the name was not lost.
      await ahead.log.waitFor((e) => e.type === 'supervisor.reply' && e.id === 's1' && e.ok, UP_MS);
      expect(existsSync(join(ahead.folder, '.sandbox', 'control.json'))).toBe(true);
      ahead.child.stdin.write('{"cmd":"quit","id":"q"}\n');
      expect(await ahead.exitCode()).toBe(0);
    },
  );

  it('refuses a name that is not a scenario as the command line would, and exits 2', async () => {
    const ahead = startAhead();
    ahead.child.stdin.write('no-such-scenario\n');
    expect(await ahead.exitCode()).toBe(2);
    expect(ahead.stderr()).toMatch(/^supervisor: no scenario named 'no-such-scenario'\nusage: supervisor --scenario/);
    expect(readdirSync(ahead.folder)).toEqual([]);
  });
});
