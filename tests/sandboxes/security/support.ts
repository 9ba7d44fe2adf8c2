// A session folder with a canary beside it: what an attack on a sandbox program's own inputs tries to read or
// change. Each lab is a fresh folder holding `session/` (SANDBOX_ROOT, the programs' working directory) and
// `outside/canary.txt`, whose words must never show in a program's output and whose folder must never change.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, expect } from 'vitest';
import { spawnEnv } from '../../support/constraints';
import { dist } from '../../support/sandbox-node';

export const CANARY = 'canary-first-line: do not show me\ncanary-second-line: do not change me\n';

export interface Lab {
  base: string;
  session: string;
  outside: string;
  canary: string;
  /** Every file and folder outside the session, with its content, as it was when the lab was made. */
  before: Record<string, string>;
}

export function makeLab(setUp: (lab: Lab) => void = () => {}): Lab {
  const base = mkdtempSync(join(tmpdir(), 'confine-'));
  const lab: Lab = {
    base,
    session: join(base, 'session'),
    outside: join(base, 'outside'),
    canary: join(base, 'outside', 'canary.txt'),
    before: {},
  };
  mkdirSync(lab.session);
  mkdirSync(lab.outside);
  writeFileSync(lab.canary, CANARY);
  setUp(lab);
  lab.before = outsideOf(lab);
  return lab;
}

/** For a test file: makes labs, each removed after the test that made it. */
export function labPerTest(): (setUp?: (lab: Lab) => void) => Lab {
  const made: Lab[] = [];
  afterEach(() => {
    for (const lab of made.splice(0)) rmSync(lab.base, { recursive: true, force: true });
  });
  return (setUp) => {
    const lab = makeLab(setUp);
    made.push(lab);
    return lab;
  };
}

/** Everything under the lab's folder except the session: path → content ('<dir>' for a folder). */
function outsideOf(lab: Lab): Record<string, string> {
  const found: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (path === lab.session) continue;
      const stat = statSync(path, { throwIfNoEntry: false });
      if (stat?.isDirectory()) {
        found[relative(lab.base, path)] = '<dir>';
        walk(path);
      } else found[relative(lab.base, path)] = stat ? readFileSync(path, 'utf8') : '<dangling>';
    }
  };
  walk(lab.base);
  return found;
}

/** The attack changed nothing outside the session: the canary is there with its words, and nothing was added. */
export function expectOutsideUntouched(lab: Lab): void {
  expect(readFileSync(lab.canary, 'utf8')).toBe(CANARY);
  expect(outsideOf(lab)).toEqual(lab.before);
}

/** The canary's words nowhere in what a program printed. */
export function expectNoCanary(output: string): void {
  expect(output).not.toContain('canary-first-line');
  expect(output).not.toContain('canary-second-line');
}

export interface Run {
  code: number | null;
  output: string;
}

/**
 * Runs a sandbox program (the real bundle) in the lab's session folder as the local bridge starts it, with
 * SANDBOX_ROOT set, and waits for it to end (at most `ms`: every attack here must end the program with an error).
 */
export async function run(
  lab: Lab,
  program: string,
  args: string[],
  env: Record<string, string> = {},
  ms = 10_000,
): Promise<Run> {
  const started = start(lab, program, args, env);
  const timer = setTimeout(() => started.child.kill('SIGKILL'), ms);
  await new Promise((resolve) => started.child.once('close', resolve));
  clearTimeout(timer);
  return { code: started.child.exitCode, output: started.output() };
}

export interface Started {
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Starts a long-running sandbox program as run() does; stop() kills it and waits for its end. */
export function start(lab: Lab, program: string, args: string[], env: Record<string, string> = {}): Started {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SANDBOX_')));
  const child = spawn(process.execPath, [join(dist, `${program}.js`), ...args], {
    cwd: lab.session,
    env: spawnEnv({ ...clean, SANDBOX_ROOT: lab.session, ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await closed;
    },
  };
}
