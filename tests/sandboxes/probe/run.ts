// Runs the probe program (sandboxes/dist/probe.js) as a real process and plays the page's part: it writes what each
// `prompt` line asks for (a line, keys, a resize as the local bridge sends it). Used by the probe's tests and by
// `npm run bench:probe`, so it is plain TypeScript that Node runs without a build.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { resizeSequence } from '../../../src/runtime/types.ts';

export const probeBundle = join(import.meta.dirname, '..', '..', '..', 'sandboxes', 'dist', 'probe.js');

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
  { answer = true, env = process.env }: { answer?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<ProbeRun> {
  const cwd = realpathSync(mkdtempSync(join(tmpdir(), 'probe-run-')));
  const child = spawn(node, [probeBundle, ...args], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  createInterface({ input: child.stdout }).on('line', (text) => {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      line = { unparsed: text };
    }
    lines.push(line);
    if (!answer) return;
    if (line.prompt === 'line') child.stdin.write(`${line.send}\n`);
    else if (line.prompt === 'keys') child.stdin.write(String(line.send));
    else if (line.prompt === 'resize') child.stdin.write(resizeSequence({ cols: Number(line.cols), rows: Number(line.rows) }));
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
