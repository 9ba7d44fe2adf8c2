// Runs the probe program (sandboxes/dist/probe.js) as a real process and plays the page's part: it writes what each
// `prompt` line asks for (a line, keys, a resize), over pipes as the local bridge does, or on a pseudo-terminal as a
// WebContainer started with `terminal` does. Used by the probe's tests and by
// `npm run bench:probe`, so it is plain TypeScript that Node runs without a build.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { resizeSequence } from '../../../src/runtime/types.ts';

export const probeBundle = join(import.meta.dirname, '..', '..', '..', 'sandboxes', 'dist', 'probe.js');
/** Runs a command on a pseudo-terminal (Node has none of its own). */
const ptyRelay = join(import.meta.dirname, 'pty-relay.py');

export interface ProbeRun {
  /** Every stdout line, parsed (a line that is not JSON is kept as `{ unparsed: line }`). */
  lines: Record<string, unknown>[];
  code: number | null;
  stderr: string;
  /** What the probe left in its working directory. */
  leftBehind: string[];
  /** Processes still running in that directory a moment after the probe exited (Linux: from /proc). */
  leftRunning: number[];
  /** The working directory it ran in (removed after the run). */
  cwd: string;
}

/** Runs `node probe.js [args]` in a fresh folder with the given Node binary and environment; resolves when it exits. */
export function runProbe(
  node: string,
  args: string[] = [],
  {
    answer = true,
    env = process.env,
    terminal = false,
  }: { answer?: boolean; env?: NodeJS.ProcessEnv; terminal?: boolean } = {},
): Promise<ProbeRun> {
  const cwd = realpathSync(mkdtempSync(join(tmpdir(), 'probe-run-')));
  const command = terminal ? ['python3', ptyRelay, node] : [node];
  const child = spawn(command[0], [...command.slice(1), probeBundle, ...args], {
    cwd,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // On a terminal, keys are typed (Enter is \r) and a resize is the terminal's own; over pipes, the local bridge's way.
  const type = (text: string) => child.stdin.write(terminal ? `${JSON.stringify({ write: text })}\n` : text);
  const resize = (cols: number, rows: number) =>
    terminal
      ? child.stdin.write(`${JSON.stringify({ resize: [cols, rows] })}\n`)
      : type(resizeSequence({ cols, rows }));
  const lines: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  createInterface({ input: child.stdout }).on('line', (output) => {
    const text = output.replace(/\r$/, ''); // a terminal ends its lines with \r\n
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      line = { unparsed: text };
    }
    lines.push(line);
    if (!answer) return;
    if (line.prompt === 'line') type(`${line.send}${terminal ? '\r' : '\n'}`);
    else if (line.prompt === 'keys') type(String(line.send));
    else if (line.prompt === 'resize') resize(Number(line.cols), Number(line.rows));
  });
  return new Promise((resolve) =>
    child.once('close', async (code) => {
      const leftBehind = readdirSync(cwd);
      // A child that reads its stdin ends within moments of its parent; give them that, no more.
      let leftRunning = runningIn(cwd);
      for (let waited = 0; leftRunning.length && waited < 3000; waited += 100) {
        await new Promise((wake) => setTimeout(wake, 100));
        leftRunning = runningIn(cwd);
      }
      rmSync(cwd, { recursive: true, force: true });
      resolve({ lines, code, stderr, leftBehind, leftRunning, cwd });
    }),
  );
}

/** The processes whose working directory is `folder`. */
function runningIn(folder: string): number[] {
  if (!existsSync('/proc')) return [];
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/cwd`) === folder;
      } catch {
        return false; // gone, or not ours to look at
      }
    })
    .map(Number);
}
