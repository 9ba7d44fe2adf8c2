// The probe's own input, which the page writes to. Without a terminal it is how the supervisor gets the page's
// commands: lines on stdin (in a WebContainer, through a pseudo-terminal's line discipline, WEBCONTAINER-COMPAT.md
// row 21). With a terminal it is how the shell gets keystrokes: raw mode, and the window size on resize (rows 22-23).
// The probe asks for what it needs with a `prompt` line; the page (or a test) writes it, and may notice whether the
// terminal echoed it.
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fail, info, pass, print, type Check } from './runner';

/** A line asking the peer for input: a line, keys without Enter, or a terminal resize. */
export type Prompt = { prompt: 'line' | 'keys'; send: string } | { prompt: 'resize'; cols: number; rows: number };

const token = (kind: string) => `probe-${kind}-${randomBytes(4).toString('hex')}`;

function describeStdio(): string {
  const tty = (stream: NodeJS.ReadStream | NodeJS.WriteStream) => (stream.isTTY ? 'a terminal' : 'not a terminal');
  const size = process.stdout.isTTY ? `, ${process.stdout.columns}×${process.stdout.rows}` : '';
  return `stdin is ${tty(process.stdin)}, stdout is ${tty(process.stdout)}${size}; COLUMNS=${process.env.COLUMNS ?? '(unset)'} LINES=${process.env.LINES ?? '(unset)'}`;
}

/** The checks of a run without a terminal (the supervisor's situation). */
export const inputChecks: Check[] = [
  {
    id: 'stdin-line',
    title: "A line written to the probe's input arrives as one line (the page's commands to the supervisor)",
    needed: true,
    timeoutMs: 10_000,
    async run() {
      const send = token('line');
      const lines = createInterface({ input: process.stdin, terminal: false });
      const others: string[] = [];
      try {
        const arrived = new Promise<string>((resolve) =>
          lines.on('line', (line) => (line.replace(/\r$/, '') === send ? resolve(line) : others.push(line))),
        );
        print({ prompt: 'line', send } satisfies Prompt);
        const line = await arrived;
        const extra = others.length ? `; other lines before it: ${JSON.stringify(others)}` : '';
        return pass(`received "${send}"${line.endsWith('\r') ? ' (with a trailing \\r)' : ''}${extra}`);
      } finally {
        lines.close();
      }
    },
  },
  {
    id: 'stdin-tty',
    title: "Is the probe's input a terminal when started without one",
    needed: false,
    async run() {
      return info(describeStdio(), process.stdin.isTTY ? 'terminal' : 'pipe');
    },
  },
];

/** Everything that arrives on stdin, for the checks of a run with a terminal. */
class Keys {
  text = '';
  private readonly waiters = new Set<() => void>();

  constructor() {
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk: string) => {
      this.text += chunk;
      this.waiters.forEach((wake) => wake());
    });
  }

  /** Resolves once `match` finds what it wants in the text received so far. */
  until<T>(match: (text: string) => T | undefined): Promise<T> {
    return new Promise((resolve) => {
      const look = () => {
        const found = match(this.text);
        if (found === undefined) return;
        this.waiters.delete(look);
        resolve(found);
      };
      this.waiters.add(look);
      look();
    });
  }
}

/** The checks of a run with a terminal (the shell's situation). */
export function terminalChecks(): Check[] {
  const keys = new Keys();
  return [
    {
      id: 'terminal-tty',
      title: 'Is the input a terminal when started with one',
      needed: false,
      async run() {
        return info(describeStdio(), process.stdin.isTTY ? 'terminal' : 'pipe');
      },
    },
    {
      id: 'terminal-line',
      title: 'A line typed into the terminal arrives',
      needed: false,
      timeoutMs: 10_000,
      async run() {
        const send = token('typed');
        print({ prompt: 'line', send } satisfies Prompt);
        await keys.until((text) => (text.includes(`${send}\n`) || text.includes(`${send}\r`) ? true : undefined));
        return pass(`received "${send}" and its Enter`);
      },
    },
    {
      id: 'terminal-raw-mode',
      title: 'Raw mode: keys arrive as typed, without Enter (the shell edits its own line)',
      needed: false,
      timeoutMs: 10_000,
      async run() {
        let how = 'no terminal device (pipes have no line discipline)';
        if (process.stdin.isTTY) {
          if (typeof process.stdin.setRawMode !== 'function') return fail('stdin is a terminal but has no setRawMode');
          process.stdin.setRawMode(true);
          if (!process.stdin.isRaw) return fail('setRawMode(true) returned but stdin.isRaw is false');
          how = 'setRawMode(true) on the terminal';
        }
        const send = token('keys');
        print({ prompt: 'keys', send } satisfies Prompt);
        await keys.until((text) => (text.includes(send) ? true : undefined));
        return pass(`${how}: received "${send}" without an Enter`);
      },
    },
    {
      id: 'terminal-resize',
      title: 'A terminal resize reaches the program',
      needed: false,
      async run() {
        const size = { cols: 97, rows: 29 };
        const figure = `${size.cols}×${size.rows}`;
        const bySignal = new Promise<string>((resolve) =>
          process.stdout.on('resize', () => {
            if (process.stdout.columns === size.cols && process.stdout.rows === size.rows)
              resolve(`process.stdout 'resize' event (a pseudo-terminal's SIGWINCH): ${figure}`);
          }),
        );
        const report = `\x1b[8;${size.rows};${size.cols}t`;
        const byReport = keys.until((text) =>
          text.includes(report)
            ? `the window-size report ESC[8;${size.rows};${size.cols}t on stdin (the local bridge's pipes)`
            : undefined,
        );
        print({ prompt: 'resize', ...size } satisfies Prompt);
        return pass(await Promise.race([bySignal, byReport]), figure);
      },
    },
  ];
}
