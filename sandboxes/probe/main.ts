// The capability probe: checks, one by one, what the sandbox programs rely on in the Node.js that runs them (a
// WebContainer in the browser, or this computer's Node through the local bridge), and prints one JSON line per check
// as it finishes, then a summary line. `needed` rows are what the programs depend on; the others settle the open
// questions of WEBCONTAINER-COMPAT.md (section 7). The /probe/ page runs it and shows the report.
//   node probe.js                   every check; it prompts on stdout for a line to be written to its stdin
//   node probe.js terminal          the terminal checks, for a process started with a terminal
//   node probe.js --only a,b        only the checks named (e.g. the figures, for a benchmark)
//   node probe.js --skip a,b        every check but those named (e.g. the slow figures)
//   node probe.js child <role> ...  the probe's own child processes (children.ts)
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readCommandLine, refuse } from '../shared/command-line';
import { runChild } from './children';
import { cryptoChecks } from './crypto';
import { memoryAfter, runtimeFacts } from './environment';
import { fileChecks } from './files';
import { networkChecks } from './network';
import { processChecks } from './processes';
import { runChecks } from './runner';
import { inputChecks, terminalChecks } from './terminal';

const COMMAND_LINE = {
  options: { only: { type: 'string' }, skip: { type: 'string' } },
  positionals: true,
  usage: 'Usage: probe [terminal] [--only <check>,<check>...] [--skip <check>,<check>...]',
  complaint: (problem: string) => `probe: ${problem}`,
} as const;

function usage(problem: string): never {
  return refuse(COMMAND_LINE, problem);
}

if (process.argv[2] === 'child') await runChild(process.argv[3], process.argv.slice(4));
else {
  const parsed = readCommandLine(COMMAND_LINE);
  const [command, ...extra] = parsed.positionals;
  if (extra.length || (command !== undefined && command !== 'terminal'))
    usage(`unknown command '${[command, ...extra].join(' ')}'`);
  const all =
    command === 'terminal'
      ? terminalChecks()
      : [
          ...runtimeFacts,
          ...inputChecks,
          ...processChecks,
          ...networkChecks,
          ...fileChecks,
          ...cryptoChecks,
          memoryAfter,
        ];
  const only = parsed.values.only?.split(',');
  const skip = parsed.values.skip?.split(',') ?? [];
  const unknown = [...(only ?? []), ...skip].filter((id) => !all.some((check) => check.id === id));
  if (unknown.length)
    usage(`no check named ${unknown.join(', ')}; the checks are ${all.map((check) => check.id).join(', ')}`);
  // Scratch files go in the working directory (the session folder), where the programs keep theirs.
  const folder = mkdtempSync(join(process.cwd(), '.probe-'));
  process.on('exit', () => rmSync(folder, { recursive: true, force: true }));
  const chosen = all.filter((check) => (!only || only.includes(check.id)) && !skip.includes(check.id));
  const { failed } = await runChecks(chosen, folder);
  if (process.stdin.isTTY) process.stdin.setRawMode(false);
  process.exit(failed.length ? 1 : 0);
}
