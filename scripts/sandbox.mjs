// `npm run sandbox -- NAME`: a scenario in a plain terminal. It builds the sandbox bundles, makes a fresh session
// folder, runs the supervisor there in the background (its event stream goes to .sandbox/events.jsonl) and the
// shell in the foreground of this terminal. When the shell exits, everything stops and the folder is removed.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSandboxes } from './build-sandboxes.mjs';

const name = process.argv[2];
if (!name || name.startsWith('-')) {
  console.error('usage: npm run sandbox -- NAME   (e.g. npm run sandbox -- two-servers)');
  process.exit(2);
}

await buildSandboxes();
const dist = join(import.meta.dirname, '..', 'sandboxes', 'dist');
const folder = mkdtempSync(join(tmpdir(), `sandbox-${name}-`));
mkdirSync(join(folder, '.sandbox'), { recursive: true });
const events = join(folder, '.sandbox', 'events.jsonl');
const errors = join(folder, '.sandbox', 'supervisor.err');

// Its own process group (detached), so Ctrl-C in the terminal reaches the shell only; its stdin is a pipe from
// here, so it stops its nodes even if this script is killed outright.
const supervisor = spawn(process.execPath, [join(dist, 'supervisor.js'), '--scenario', name], {
  cwd: folder,
  detached: true,
  stdio: ['pipe', openSync(events, 'a'), openSync(errors, 'a')],
});
const supervisorExit = new Promise((resolve) => supervisor.once('exit', (code) => resolve(code)));

let shell;
let finished = false;
async function finish(code) {
  if (finished) return;
  finished = true;
  shell?.kill('SIGTERM');
  supervisor.stdin.end(); // the supervisor stops its nodes and exits when its stdin ends
  const timer = setTimeout(() => supervisor.kill('SIGKILL'), 5000);
  await supervisorExit;
  clearTimeout(timer);
  rmSync(folder, { recursive: true, force: true });
  process.exit(code);
}

supervisorExit.then((code) => {
  if (finished) return;
  process.stderr.write(`\nThe supervisor stopped (exit code ${code}):\n${readFileSync(errors, 'utf8')}`);
  finish(typeof code === 'number' && code !== 0 ? code : 1);
});
for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => finish(0));

console.log(`Scenario ${name} in ${folder} (events: ${events}). Type 'help' to begin, 'exit' or Ctrl-D to leave.`);
shell = spawn(process.execPath, [join(dist, 'shell.js')], { cwd: folder, stdio: 'inherit' });
shell.once('exit', (code) => finish(code ?? 0));
// Ctrl-C belongs to the shell (it interrupts the running command); this script stays.
process.on('SIGINT', () => {});
