// Drives the real shell bundle the way the page does: keystrokes into its stdin through a pipe, its output into
// a real terminal emulator (xterm.js, headless), and the test reads the screen as the learner would see it.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import xterm from '@xterm/headless';
import { afterAll, beforeAll } from 'vitest';
import { spawnEnv } from './constraints';
import { dist } from './sandbox-node';

const SHELL = join(dist, 'shell.js');

const PROMPT = 'learner@laptop:~$';
const countPrompts = (text: string) => text.split('\n').filter((line) => line.startsWith(PROMPT)).length;

export const keys = {
  enter: '\r',
  backspace: '\x7f',
  up: '\x1b[A',
  down: '\x1b[B',
  right: '\x1b[C',
  left: '\x1b[D',
  home: '\x1b[H',
  end: '\x1b[F',
  delete: '\x1b[3~',
  tab: '\t',
  ctrlC: '\x03',
  ctrlD: '\x04',
  ctrlL: '\x0c',
  ctrlU: '\x15',
  ctrlS: '\x13',
  ctrlX: '\x18',
};

export class ShellSession {
  readonly process: ChildProcess;
  readonly screen: InstanceType<typeof xterm.Terminal>;
  private pending = Promise.resolve();
  exited: Promise<number | null>;

  constructor(folder: string, options: { columns?: number; rows?: number; env?: NodeJS.ProcessEnv } = {}) {
    const columns = options.columns ?? 100;
    const rows = options.rows ?? 30;
    this.screen = new xterm.Terminal({ cols: columns, rows, scrollback: 1000, allowProposedApi: true });
    this.process = spawn(process.execPath, [SHELL], {
      cwd: folder,
      env: spawnEnv({ ...process.env, COLUMNS: String(columns), LINES: String(rows), ...options.env }),
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.process.stdout!.on('data', (chunk: Buffer) => {
      this.pending = this.pending.then(() => new Promise<void>((resolve) => this.screen.write(chunk, resolve)));
    });
    this.exited = new Promise((resolve) => this.process.on('exit', (code) => resolve(code)));
  }

  type(text: string): void {
    this.process.stdin!.write(text);
  }

  /** Types a line and presses Enter. */
  run(line: string): void {
    this.type(line + keys.enter);
  }

  /** The whole screen, scrollback included, as plain text lines (trailing blanks trimmed). */
  async text(): Promise<string> {
    await this.pending;
    const buffer = this.screen.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < buffer.length; i++) {
      const line = buffer.getLine(i)!;
      // A long line the terminal wrapped is still one line of output.
      if (line.isWrapped && lines.length) lines[lines.length - 1] += line.translateToString(true);
      else lines.push(line.translateToString(true));
    }
    return lines.join('\n').replace(/\n+$/, '');
  }

  /** The visible screen only (what a full-screen program shows). */
  async visible(): Promise<string[]> {
    await this.pending;
    const buffer = this.screen.buffer.active;
    return Array.from({ length: this.screen.rows }, (_, i) =>
      buffer.getLine(buffer.viewportY + i)!.translateToString(true),
    );
  }

  /** The line the cursor is on, and the cursor's column. */
  async cursorLine(): Promise<{ text: string; column: number }> {
    await this.pending;
    const buffer = this.screen.buffer.active;
    return { text: buffer.getLine(buffer.baseY + buffer.cursorY)!.translateToString(true), column: buffer.cursorX };
  }

  /** Waits until the screen shows `what` (a string or a pattern); fails with the screen after `timeoutMs`. */
  async waitFor(what: string | RegExp, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = await this.text();
      if (typeof what === 'string' ? text.includes(what) : what.test(text)) return text;
      if (Date.now() > deadline) throw new Error(`the screen never showed ${what}; it shows:\n${text}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Waits for the n-th prompt on screen (the shell is idle again after n-1 commands). */
  async waitForPrompt(count: number, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = await this.text();
      if (countPrompts(text) >= count) return text;
      if (Date.now() > deadline) throw new Error(`expected ${count} prompts; the screen shows:\n${text}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Runs a command line and returns what it printed (the lines between its prompt and the next one). */
  async command(line: string, timeoutMs = 10_000): Promise<string> {
    const prompts = countPrompts(await this.text());
    this.run(line);
    const text = await this.waitForPrompt(prompts + 1, timeoutMs);
    const lines = text.split('\n');
    const starts = lines.flatMap((l, i) => (l.startsWith(PROMPT) ? [i] : []));
    return lines.slice(starts[starts.length - 2] + 1, starts[starts.length - 1]).join('\n');
  }

  async close(): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill('SIGKILL');
    await this.exited;
    this.screen.dispose();
  }
}

/**
 * A learner's shell in the folder of `lab` (a scenario's supervisor, a hand-made sandbox folder), for the tests of one
 * describe block: the lab is up and the shell shows its prompt before the first test; both stop after the last.
 */
export function withShell(
  lab: { folder: string; start(): Promise<void>; stop(): Promise<void> },
  upMs?: number,
): { readonly shell: ShellSession } {
  let shell: ShellSession | undefined;
  beforeAll(async () => {
    await lab.start();
    shell = new ShellSession(lab.folder);
    await shell.waitForPrompt(1);
  }, upMs);
  afterAll(async () => {
    await shell?.close();
    await lab.stop();
  });
  return {
    get shell() {
      if (!shell) throw new Error('the shell runs only while the tests of its describe block run');
      return shell;
    },
  };
}
