// The shell's terminal side: its own line editing and echo (line-editor.ts), Tab completion (complete.ts), the
// commands of commands/index.ts run in the foreground or as background jobs (jobs.ts), and Ctrl-C for a running one.
// main.ts hands it the keystrokes and the window size; everything it prints goes to stdout.
import { setMaxListeners } from 'node:events';
import { commands } from './commands/index';
import { complete } from './complete';
import { KeyDecoder, type Key } from './keys';
import { JobTable, type Job } from './jobs';
import { History, LineEditor, LineRenderer } from './line-editor';
import { parseCommandLine, runPipeline, type Terminal } from './run';
import { Session } from './control-file';
import { wrap } from './wrap';

const PROMPT_TEXT = 'learner@laptop:~$ ';
const PROMPT = '\x1b[1;32mlearner@laptop\x1b[0m:\x1b[1;34m~\x1b[0m$ ';
// How long a lone Escape waits for the rest of a sequence before it counts as the Escape key.
const ESCAPE_WAIT_MS = 50;
// After Ctrl-C a command gets this long to stop cleanly (and print its summary) before the prompt comes back.
const ABORT_GRACE_MS = 2000;

const session = new Session();
const history = new History();
const renderer = new LineRenderer(PROMPT, PROMPT_TEXT.length);
const decoder = new KeyDecoder();
const jobs = new JobTable();
let editor = new LineEditor(history);
let columns = Number(process.env.COLUMNS) || process.stdout.columns || 80;
let rows = Number(process.env.LINES) || process.stdout.rows || 24;
let atLineStart = true;

/** What is running now: the Ctrl-C switch and, for full-screen programs, who gets the keys. */
let running: { abort: AbortController; keys?: (key: Key) => void } | undefined;
let completing = false;
/** Keys typed while a command runs, replayed into the next prompt (as a terminal's type-ahead buffer does). */
const typeahead: Key[] = [];
/** Background output held while a full-screen program (edit) owns the screen. */
let held = '';

/** Raw mode (and xterm.js) needs \r\n to start a new line at column 0. */
const crlf = (text: string) => text.replace(/\r?\n/g, '\r\n');

function write(text: string): void {
  if (!text) return;
  process.stdout.write(crlf(text));
  atLineStart = text.endsWith('\n');
}

function prompt(): void {
  if (!atLineStart) write('\n'); // output that did not end its line would otherwise share it with the prompt
  write(held);
  held = '';
  // bash reports the background jobs that ended since the last prompt just before the next one.
  for (const notice of jobs.notices()) write(`${notice}\n`);
  editor = new LineEditor(history);
  renderer.reset();
  redraw();
}

/** Draws the prompt and the line being edited, after `before` in the same write. */
function redraw(before = ''): void {
  process.stdout.write(before + renderer.render(editor, columns));
  atLineStart = false;
}

/**
 * Prints whole lines of a background job's output as readline lets bash do it: the line being edited is erased, the
 * output printed in its place, and the prompt and the line drawn again under it, so typing goes on undisturbed.
 */
function printAbove(text: string): void {
  if (running?.keys)
    held += text; // a full-screen program's screen is not scrolled under it
  else if (running) write(atLineStart ? text : `\n${text}`);
  else {
    // In one write, so that no screen shows the output without the prompt under it (nor the line erased).
    renderer.reset();
    redraw(`\r\x1b[K${crlf(text)}`);
  }
}

function terminal(abort: AbortController): Terminal {
  return {
    out: write,
    err: write,
    signal: abort.signal,
    session,
    commands,
    jobs,
    history: history.entries,
    interactive: true,
    get columns() {
      return columns;
    },
    get rows() {
      return rows;
    },
    takeKeys(handler) {
      if (running) running.keys = handler;
      return () => {
        if (running) running.keys = undefined;
      };
    },
    clear() {
      process.stdout.write('\x1b[H\x1b[2J\x1b[3J');
      atLineStart = true;
    },
  };
}

/**
 * A background job's view of the terminal: its own Ctrl-C switch, no keyboard, output above the prompt; `flush`
 * prints its last words once it is over, whether or not they ended their line.
 */
function jobTerminal(job: Job): { io: Terminal; flush(): void } {
  let partial = '';
  const print = (text: string) => {
    partial += text;
    if (job.foreground) {
      write(partial);
      partial = '';
      return;
    }
    const end = partial.lastIndexOf('\n') + 1;
    if (end === 0) return;
    printAbove(partial.slice(0, end));
    partial = partial.slice(end);
  };
  const io: Terminal = Object.create(terminal(job.abort), {
    out: { value: print },
    err: { value: print },
    jobs: { value: undefined },
    // Live displays (load's line redrawn in place) are for the foreground; a job prints its lines and summary.
    interactive: { value: false },
    takeKeys: {
      value() {
        // bash stops a background job that reads the terminal (SIGTTIN); here it is refused outright.
        throw new Error('a full-screen program cannot run in the background: run it without &');
      },
    },
  });
  return { io, flush: () => partial && print('\n') };
}

async function execute(line: string): Promise<void> {
  const parsed = parseCommandLine(line, write);
  if (parsed?.background) startJob(line.trim().replace(/\s*&$/, ''), parsed.pipeline);
  else if (parsed) await runInForeground(parsed.pipeline);
  prompt();
  drainTypeahead();
}

function startJob(line: string, pipeline: string[][]): void {
  const job = jobs.start(line, async (job) => {
    setMaxListeners(0, job.abort.signal);
    const { io, flush } = jobTerminal(job);
    try {
      return await runPipeline(pipeline, io);
    } catch (error) {
      io.err(`shell: ${(error as Error).message}\n`);
      return 1;
    } finally {
      flush();
    }
  });
  // bash prints the job number and its process id; the job runs inside this shell, so it is named by its line.
  write(typeof job === 'string' ? `shell: ${job}\n` : `[${job.id}] ${line} &\n`);
}

async function runInForeground(pipeline: string[][]): Promise<void> {
  const abort = new AbortController();
  // One listener per request in flight (load sends hundreds) is expected, not a leak.
  setMaxListeners(0, abort.signal);
  running = { abort };
  const stopped = new Promise<void>((resolve) =>
    abort.signal.addEventListener('abort', () => setTimeout(resolve, ABORT_GRACE_MS).unref(), { once: true }),
  );
  try {
    await Promise.race([runPipeline(pipeline, terminal(abort)), stopped]);
  } catch (error) {
    write(`shell: ${(error as Error).message}\n`);
  }
  running = undefined;
}

function drainTypeahead(): void {
  while (typeahead.length && !running && !completing) onPromptKey(typeahead.shift()!);
}

async function tab(): Promise<void> {
  completing = true;
  const before = editor.chars.slice(0, editor.cursor).join('');
  try {
    const result = await complete(before, { session, commands });
    if (result) {
      const after = editor.chars.slice(editor.cursor).join('');
      if (result.listing.length) {
        write('\n' + layout(result.listing) + '\n');
        renderer.reset();
      }
      editor.text = before.slice(0, result.start) + result.replacement;
      editor.insert(after);
      editor.cursor -= [...after].length;
    } else {
      write('\x07'); // the terminal bell, as readline does when there is nothing to complete
      atLineStart = false;
    }
  } finally {
    completing = false;
  }
  redraw();
  drainTypeahead();
}

/** Candidates in columns, like bash's completion listing. */
function layout(words: string[]): string {
  const width = Math.max(...words.map((w) => w.length)) + 2;
  const perRow = Math.max(1, Math.floor(columns / width));
  const lines: string[] = [];
  for (let i = 0; i < words.length; i += perRow)
    lines.push(
      words
        .slice(i, i + perRow)
        .map((w) => w.padEnd(width))
        .join('')
        .trimEnd(),
    );
  return lines.join('\n');
}

function onPromptKey(key: Key): void {
  switch (key.name) {
    case 'enter': {
      const line = editor.text;
      // The whole line goes to the scrollback, not the window the editor scrolled to.
      process.stdout.write(renderer.whole(editor));
      write('\n');
      history.add(line);
      void execute(line);
      return;
    }
    case 'ctrl-c':
      process.stdout.write(renderer.whole(editor));
      write('^C\n');
      prompt();
      return;
    case 'ctrl-d':
      if (editor.chars.length === 0) {
        write('exit\n');
        quit();
      }
      editor.apply({ name: 'delete' });
      break;
    case 'ctrl-l':
      process.stdout.write('\x1b[H\x1b[2J');
      renderer.reset();
      break;
    case 'tab':
      void tab();
      return;
    default:
      if (!editor.apply(key)) return;
  }
  redraw();
}

function onKey(key: Key): void {
  if (key.name === 'resize') {
    ({ rows, columns } = key as { rows: number; columns: number });
    if (running) running.keys?.(key);
    else if (!completing) {
      renderer.reset();
      redraw();
    }
    return;
  }
  if (running) {
    if (key.name === 'ctrl-c') {
      if (!running.keys) write('^C\n');
      typeahead.length = 0; // Ctrl-C flushes the type-ahead, as the tty driver does
      running.abort.abort(new Error('interrupted'));
    } else if (running.keys) running.keys(key);
    else typeahead.push(key);
    return;
  }
  if (completing) typeahead.push(key);
  else onPromptKey(key);
}

let escapeTimer: NodeJS.Timeout | undefined;

/** Keystrokes as the terminal sends them; a lone Escape waits a moment for the rest of a sequence. */
export function feed(chunk: string): void {
  clearTimeout(escapeTimer);
  for (const key of decoder.feed(chunk)) onKey(key);
  if (decoder.waiting) escapeTimer = setTimeout(() => decoder.flush().forEach(onKey), ESCAPE_WAIT_MS);
}

/** The terminal window changed size. */
export function resize(newRows: number, newColumns: number): void {
  onKey({ name: 'resize', rows: newRows, columns: newColumns });
}

/** An error nothing caught: reported, and the prompt given back, so it never ends the learner's terminal. */
export function internalError(error: Error): void {
  write(`\nshell: internal error: ${error.message}\n`);
  if (!running) prompt();
}

/** Finds the sandbox's supervisor, greets the learner and shows the first prompt. */
export function start(): void {
  session.tryControl();
  // Two short lines: the panel starts its shell before the terminal is open (at 80 columns), and a line the greeting
  // wraps for 80 would be broken inside a word by a narrower terminal (the panel's are 40 columns or more).
  write(`${wrap("Sandbox terminal.\nType 'help' for the commands.", columns)}\n`);
  prompt();
}

function quit(): never {
  process.exit(0);
}
