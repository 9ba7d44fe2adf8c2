// A spare (sandboxes/spare/main.ts): a Node.js process started ahead that becomes the program its first stdin line
// names. Real processes: what it refuses, that the program it becomes reads the rest of stdin, that a supervisor
// started ahead runs its nodes in the spares it started while it waited, and that every supervisor starts a spare for
// each node that waits for others as its first nodes start.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SandboxEvent } from '../../../sandboxes/contracts/events/index';
import { descendantsOf, processTable } from '../../../src/runtime/local/processes';
import { spawnEnv } from '../../support/constraints';
import { EventLog } from '../../support/event-log';
import { freePort } from '../../support/ports';
import { dist } from '../../support/sandbox-node';

/** Starting processes on a loaded two-core machine. */
const UP_MS = 30_000;
const EXIT_MS = 15_000;

const folders: string[] = [];
afterEach(() => folders.splice(0).forEach((folder) => rmSync(folder, { recursive: true, force: true })));

function folder(): string {
  const made = mkdtempSync(join(tmpdir(), 'spare-'));
  folders.push(made);
  return made;
}

function start(program: string, args: string[], cwd: string) {
  const child = spawn(process.execPath, [join(dist, `${program}.js`), ...args], {
    cwd,
    env: spawnEnv({ ...process.env, SANDBOX_EVENTS: '1' }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (data: string) => (stderr += data));
  const log = new EventLog<SandboxEvent>(child.stdout, () => `${program}: ${stderr}`);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const exitCode = async () => {
    const timer = setTimeout(() => child.kill('SIGKILL'), EXIT_MS);
    return exited.finally(() => clearTimeout(timer));
  };
  return { child, log, stderr: () => stderr, exitCode };
}

describe('a spare', () => {
  it('exits 0 without a word when stdin closes before it is told anything', async () => {
    const spare = start('spare', [], folder());
    spare.child.stdin.end();
    expect(await spare.exitCode()).toBe(0);
    expect(spare.log.events).toEqual([]);
    expect(spare.stderr()).toBe('');
  });

  // It opens a loopback port while it waits (Node's first use of its network code, done ahead): closed at once.
  it.runIf(process.platform === 'linux')('holds no listening socket while it waits', async () => {
    const spare = start('spare', [], folder());
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const sockets = readdirSync(`/proc/${spare.child.pid}/fd`)
      .map((fd) => /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${spare.child.pid}/fd/${fd}`))?.[1])
      .filter(Boolean);
    // /proc/net/tcp{,6}: local address, remote address, state (0A is LISTEN), ..., inode.
    const listening = ['tcp', 'tcp6']
      .flatMap((table) => readFileSync(`/proc/net/${table}`, 'utf8').trim().split('\n').slice(1))
      .map((row) => row.trim().split(/\s+/))
      .filter((fields) => fields[3] === '0A' && sockets.includes(fields[9]));
    expect(listening).toEqual([]);
    spare.child.stdin.end();
    expect(await spare.exitCode()).toBe(0);
  });

  it.each([
    ['not JSON', 'web --name web-01', /^spare: not JSON: web --name web-01\n$/],
    ['a path for a program', '{"program":"../../evil"}', /^spare: '..\/..\/evil' is not a program name\n$/],
    ['itself', '{"program":"spare"}', /^spare: 'spare' is not a program name\n$/],
    ['a program that does not exist', '{"program":"nginx"}', /^spare: no program 'nginx' \(.*nginx\.js\)\n$/],
    ['arguments that are not strings', '{"program":"web","args":[1]}', /^spare: args must be strings\n$/],
    [
      'an environment variable other than its address and name',
      '{"program":"web","env":{"NODE_OPTIONS":"--require /tmp/x.js"}}',
      /^spare: may set only SANDBOX_ADDR and SANDBOX_NODE, not NODE_OPTIONS\n$/,
    ],
  ])('refuses %s with exit 2', async (_, line, message) => {
    const spare = start('spare', [], folder());
    spare.child.stdin.write(`${line}\n`);
    expect(await spare.exitCode()).toBe(2);
    expect(spare.stderr()).toMatch(message);
    expect(spare.log.events).toEqual([]);
  });

  it('becomes the program it is told, which reads the lines sent after the first', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const spare = start('spare', [], folder());
    // The command in the same write as the first line is the web server's: `stop`.
    spare.child.stdin.write(
      `${JSON.stringify({ program: 'web', args: ['--name', 'web-07', '--listen', `127.0.0.1:${port}`], env: { SANDBOX_NODE: 'web-07' } })}\nstop\n`,
    );
    await spare.log.waitFor((e) => e.type === 'control.ready', UP_MS);
    await spare.log.waitFor((e) => e.type === 'control.stopping', UP_MS);
    expect(await spare.exitCode()).toBe(0);
  });

  it('shows the program it became to ps, by its title', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const spare = start('spare', [], folder());
    spare.child.stdin.write(
      `${JSON.stringify({ program: 'web', args: ['--name', 'web-07', '--listen', `127.0.0.1:${port}`] })}\n`,
    );
    await spare.log.waitFor((e) => e.type === 'control.ready', UP_MS);
    const shown = readFileSync(`/proc/${spare.child.pid}/cmdline`, 'utf8').replace(/\0+$/, '');
    // Whole, or cut to the room the spare's own command line left.
    expect(`web --name web-07 --listen 127.0.0.1:${port}`.startsWith(shown)).toBe(true);
    expect(shown).toMatch(/^web --name/);
    spare.child.stdin.end();
    expect(await spare.exitCode()).toBe(0);
  });
});

describe('a supervisor started ahead, and its spares', () => {
  it(
    'runs its nodes in the spares it started while it waited, and lets the untaken ones go once they are up',
    { timeout: 60_000 },
    async () => {
      const supervisor = start('supervisor', ['--scenario', '-'], folder());
      const children = () => [...descendantsOf([supervisor.child.pid!]).keys()];
      // Four spares, waiting while the supervisor waits for its scenario.
      await expect.poll(children, { timeout: UP_MS }).toHaveLength(4);
      const spares = children();
      supervisor.child.stdin.write('two-servers\n');
      await supervisor.log.waitFor((e) => e.type === 'ready', UP_MS);
      const nodes = supervisor.log.events.flatMap((e) => (e.type === 'node.started' ? [e.pid] : []));
      expect(nodes).toHaveLength(3);
      for (const pid of nodes) expect(spares).toContain(pid);
      // The fourth spare, not needed by a scenario of three nodes, is gone.
      await expect.poll(() => children().sort(), { timeout: EXIT_MS }).toEqual([...nodes].sort());
      supervisor.child.stdin.write('{"cmd":"quit","id":"q"}\n');
      expect(await supervisor.exitCode()).toBe(0);
    },
  );

  // Linux's process start times (clock ticks of 10 ms since boot, USER_HZ) show when each node's process was started.
  it.runIf(process.platform === 'linux')(
    'told its scenario on the command line, starts a spare for lb-01 with the web servers it waits for, on boot and on reset',
    { timeout: 90_000 },
    async () => {
      // This test's clock (performance.now()) as seconds since boot, the clock of /proc/uptime and of start times.
      const [uptime, readAt] = [Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]), performance.now()];
      const sinceBoot = (at: number) => uptime + (at - readAt) / 1000;
      const supervisor = start('supervisor', ['--scenario', 'two-servers'], folder());
      const children = () => [...descendantsOf([supervisor.child.pid!]).keys()].sort();
      let from = 0; // the round's first event
      for (const round of ['boot', 'reset']) {
        const up = await supervisor.log.waitFor(
          (e) => (round === 'boot' ? e.type === 'ready' : e.type === 'supervisor.reply' && e.id === 'r' && e.ok),
          UP_MS,
          from,
        );
        const seen = supervisor.log.seen.slice(from);
        const started = new Map(seen.flatMap(({ event: e }) => (e.type === 'node.started' ? [[e.name, e.pid]] : [])));
        const firstListening = seen.find(({ event }) => event.type === 'web.listening')!;
        const lbStarted = Number(processTable().get(started.get('lb-01')!)!.started) / 100;
        // Started fresh, lb-01 would start once both web servers listen: after the first said so. Its spare started
        // with them, a whole process start (100 ms or more) before either listens.
        const lead = Math.round((sinceBoot(firstListening.at) - lbStarted) * 1000);
        expect(lead, `${round}: lb-01's process started ${lead} ms before a web server listened`).toBeGreaterThan(20);
        // No spare left beside the topology.
        await expect.poll(children, { timeout: EXIT_MS }).toEqual([...started.values()].sort());
        from = supervisor.log.events.indexOf(up.event) + 1;
        if (round === 'boot') supervisor.child.stdin.write('{"cmd":"reset","id":"r"}\n');
      }
      supervisor.child.stdin.write('{"cmd":"quit","id":"q"}\n');
      expect(await supervisor.exitCode()).toBe(0);
    },
  );
});
