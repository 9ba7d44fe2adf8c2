// A real scenario for the shell to drive: the supervisor bundle running in a fresh session folder, with every node
// it starts (balancer, web servers) as real processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SUPERVISOR = join(import.meta.dirname, '../../../sandboxes/dist/supervisor.js');

export class RunningScenario {
  readonly folder = mkdtempSync(join(tmpdir(), 'shell-scenario-'));
  readonly events: Record<string, unknown>[] = [];
  private supervisor: ChildProcess;

  constructor(name: string) {
    // stdin stays open: the supervisor stops when it ends.
    this.supervisor = spawn(process.execPath, [SUPERVISOR, '--scenario', name], { cwd: this.folder, stdio: ['pipe', 'pipe', 'inherit'] });
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
