// The capability probe: checks, one by one, what the sandbox programs rely on in the Node.js that runs them (a
// WebContainer in the browser, or this computer's Node through the local bridge), and prints one JSON line per check
// as it finishes, then a summary line. `needed` rows are what the programs depend on; the others settle the open
// questions of WEBCONTAINER-COMPAT.md (section 7). The /probe/ page runs it and shows the report.
//   node probe.js                   every check; it prompts on stdout for a line to be written to its stdin
//   node probe.js terminal          the terminal checks, for a process started with a terminal
//   node probe.js child <role> ...  the probe's own child processes (children.ts)
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runChild } from './children';
import { cryptoChecks } from './crypto';
import { memoryAfter, runtimeFacts } from './environment';
import { fileChecks } from './files';
import { networkChecks } from './network';
import { processChecks } from './processes';
import { runChecks } from './runner';
import { inputChecks, terminalChecks } from './terminal';

const [command, ...rest] = process.argv.slice(2);

if (command === 'child') runChild(rest[0], rest.slice(1));
else if (command === undefined || command === 'terminal') {
  // Scratch files go in the working directory (the session folder), where the programs keep theirs.
  const folder = mkdtempSync(join(process.cwd(), '.probe-'));
  process.on('exit', () => rmSync(folder, { recursive: true, force: true }));
  const checks =
    command === 'terminal'
      ? terminalChecks()
      : [...runtimeFacts, ...inputChecks, ...processChecks, ...networkChecks, ...fileChecks, ...cryptoChecks, memoryAfter];
  const { failed } = await runChecks(checks, folder);
  if (process.stdin.isTTY) process.stdin.setRawMode(false);
  process.exit(failed.length ? 1 : 0);
} else {
  process.stderr.write(`probe: unknown command '${command}'. Usage: probe [terminal]\n`);
  process.exit(2);
}
