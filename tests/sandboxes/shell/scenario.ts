// A real scenario for the shell to drive: the supervisor bundle running in a fresh session folder, with every node
// it starts (balancer, web servers) as real processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { ShellSession } from './terminal';
import { spawnEnv } from '../../support/constraints';

const SUPERVISOR = join(import.meta.dirname, '../../../sandboxes/dist/supervisor.js');

export type GoalEvent = { type: 'goal'; id: string; met: boolean; observed: string };

export class RunningScenario {
  readonly folder = mkdtempSync(join(tmpdir(), 'shell-scenario-'));
  readonly events: Record<string, unknown>[] = [];
  private supervisor: ChildProcess;

  constructor(name: string) {
    // stdin stays open: the supervisor stops when it ends.
    this.supervisor = spawn(process.execPath, [SUPERVISOR, '--scenario', name], { cwd: this.folder, env: spawnEnv(process.env), stdio: ['pipe', 'pipe', 'inherit'] });
    let partial = '';
    this.supervisor.stdout!.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop()!;
      for (const line of lines) if (line.trim()) this.events.push(JSON.parse(line));
    });
  }

  /** Resolves once the supervisor has written control.json (the topology is up). */
  async ready(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!existsSync(join(this.folder, '.sandbox', 'control.json'))) {
      if (this.supervisor.exitCode !== null) throw new Error(`the supervisor exited with code ${this.supervisor.exitCode}`);
      if (Date.now() > deadline) throw new Error('the supervisor did not write .sandbox/control.json in time');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** The latest `goal` event for a goal id (undefined before the supervisor first reported it). */
  goal(id: string): GoalEvent | undefined {
    return this.events.filter((e): e is GoalEvent => e.type === 'goal' && e.id === id).at(-1);
  }

  /** Waits until `what` holds, failing with the latest events when `ms` runs out. */
  async until(what: () => unknown, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await what())) {
      if (Date.now() > deadline) {
        const goals = this.events.filter((e) => e.type === 'goal').slice(-4);
        throw new Error(`timed out; last goal events: ${JSON.stringify(goals)}; last events: ${JSON.stringify(this.events.slice(-6))}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async stop(): Promise<void> {
    if (this.supervisor.exitCode === null && this.supervisor.signalCode === null) {
      const exited = new Promise((resolve) => this.supervisor.once('exit', resolve));
      this.supervisor.kill('SIGTERM'); // it stops its nodes first
      const timer = setTimeout(() => this.supervisor.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.folder, { recursive: true, force: true });
  }
}

/**
 * A scenario with a learner's shell in its folder, for the tests of one describe block: the topology is up and the
 * shell shows its prompt before the first test; both stop after the last.
 */
export function scenarioWithShell(name: string, upMs = 90_000): { readonly scenario: RunningScenario; readonly shell: ShellSession } {
  const scenario = new RunningScenario(name);
  let shell: ShellSession | undefined;
  beforeAll(async () => {
    await scenario.ready();
    shell = new ShellSession(scenario.folder);
    await shell.waitForPrompt(1);
  }, upMs);
  afterAll(async () => {
    await shell?.close();
    await scenario.stop();
  });
  return {
    scenario,
    get shell() {
      if (!shell) throw new Error(`the shell of the ${name} scenario runs only while the tests of its describe block run`);
      return shell;
    },
  };
}
