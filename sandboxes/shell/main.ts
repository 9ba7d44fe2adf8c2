// The sandbox terminal's shell: `node shell.js` in the session folder. The page's xterm.js (through pipes or a
// WebContainer process) or a real terminal sends raw keystrokes; shell.ts does its own line editing and echo, runs
// the commands of commands/index.ts, and lets Ctrl-C stop a running one. A line ending with `&` runs as a background
// job (jobs.ts) while the learner types on; its output is printed above the line being edited. This file connects
// it to the process: stdin, the window size, and how the process ends.
import { feed, internalError, resize, start } from './shell';

// A real terminal (npm run sandbox) or a pty: take the keys raw, since the shell echoes and edits itself.
const tty = process.stdin.isTTY && typeof process.stdin.setRawMode === 'function';
if (tty) process.stdin.setRawMode(true);
// However the shell ends (Ctrl-D, exit), the terminal gets its normal line mode back.
process.on('exit', () => {
  if (tty) process.stdin.setRawMode(false);
});
// Never let an unexpected error end the learner's terminal.
process.on('uncaughtException', internalError);

process.stdin.setEncoding('utf8');
process.stdin.on('data', feed);
process.stdin.on('end', () => process.exit(0));
process.stdout.on('resize', () => resize(process.stdout.rows, process.stdout.columns));
process.stdout.on('error', () => process.exit(0)); // the terminal went away
start();
