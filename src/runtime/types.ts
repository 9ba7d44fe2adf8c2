// The runtime interface: the one contract between the sandbox UI and wherever the sandbox programs run.
//
// It is the subset of the WebContainer API (https://webcontainers.io/api) the page needs, so the `webcontainer`
// adapter is a thin pass-through and the `local` adapter (a bridge to real processes on this computer) mimics it.
// One difference on purpose: `spawn` takes a sandbox program's NAME ('shell', 'supervisor'...), never a command or a
// path. Both adapters run it as `node <bundles>/<name>.js <args>` with the session folder as its working directory,
// and the local bridge refuses any name that is not a bundle in sandboxes/dist.
//
// Terminal size. A program learns its terminal's size in three ways, and the shell accepts all of them:
//   - at start, from the environment: COLUMNS and LINES (both adapters set them from `terminal`);
//   - in a WebContainer, `resize()` resizes a real pseudo-terminal: process.stdout 'resize' (SIGWINCH);
//   - over the local bridge (plain pipes, no pty), `resize()` writes the xterm "window size" report
//     ESC [ 8 ; <rows> ; <cols> t  to the program's stdin; the program consumes it instead of treating it as keys.
// Input is raw keystrokes in both cases: over pipes there is no line discipline, so the program echoes and edits.

/** A tree of files to write into the session folder, in the WebContainer `FileSystemTree` shape. */
export interface FileTree {
  [name: string]: { file: { contents: string } } | { directory: FileTree };
}

export interface TerminalSize {
  cols: number;
  rows: number;
}

export interface SpawnOptions {
  /** Extra environment for the process. The local bridge accepts only SANDBOX_*, TERM, COLUMNS, LINES, NO_COLOR, FORCE_COLOR. */
  env?: Record<string, string>;
  /** The size of the terminal the process is attached to; sets COLUMNS and LINES. */
  terminal?: TerminalSize;
  /**
   * The folder the process runs in: a plain name (FOLDER_NAME, e.g. `sandbox-2`) of a folder under the runtime's
   * root, created when missing. Each sandbox of a page gets its own, so two scenarios never share files, addresses
   * or a supervisor. Without it, the root itself. `mount` and `fs` paths stay relative to the root.
   */
  cwd?: string;
}

/** A folder name `SpawnOptions.cwd` accepts: one plain path segment, never a path. */
export const FOLDER_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;

/** The folder of a visit's `n`th sandbox (its loan of the runtime, src/runtime/visit.ts), from 1. */
export const loanFolder = (n: number) => `sandbox-${n}`;

/** The size of an xterm.js terminal before it is fitted to its box: the terminal's shell is started with it. */
export const TERMINAL_SIZE: TerminalSize = { cols: 80, rows: 24 };
/** The load control's shell (src/sandbox/view/load-control.ts): a terminal nobody sees. */
export const LOAD_SHELL_SIZE: TerminalSize = { cols: 120, rows: 10 };

/** A process a sandbox starts first, which the local runtime starts ahead of it (src/runtime/started-ahead.ts). */
export interface StartedAhead {
  program: string;
  args: readonly string[];
  terminal?: TerminalSize;
}
/** A supervisor started ahead of its sandbox: it waits for the scenario's name on stdin. */
export const SUPERVISOR_AHEAD: StartedAhead = { program: 'supervisor', args: ['--scenario', '-'] };
/** What is started ahead, in the next sandbox's folder: its supervisor, its terminal's shell, its load control's shell. */
export const STARTED_AHEAD: readonly StartedAhead[] = [
  SUPERVISOR_AHEAD,
  { program: 'shell', args: [], terminal: TERMINAL_SIZE },
  { program: 'shell', args: [], terminal: LOAD_SHELL_SIZE },
];

/** A running sandbox program: the same shape as `WebContainerProcess`. */
export interface SandboxProcess {
  /** Everything the process writes (stdout and stderr merged, as a terminal shows it). */
  output: ReadableStream<string>;
  /** Keystrokes and text for the process's stdin. */
  input: WritableStream<string>;
  /** Resolves with the exit code once the process has ended (killed: a non-zero code). */
  exit: Promise<number>;
  kill(): void;
  resize(size: TerminalSize): void;
  /**
   * Local runtime only: the scenario a supervisor started ahead already runs, told by `npm start`'s server as it
   * served the page (src/runtime/local/server.ts); its nodes may be up already. Undefined for any other process.
   */
  scenario?: string;
}

/** Where the sandbox programs run. */
export type RuntimeKind = 'local' | 'webcontainer';

/**
 * Limits a runtime imposes on its programs beyond its own nature. `webcontainer`: the local runtime emulates the
 * documented limits of WebContainers (src/runtime/local/constraints.ts), chosen with `?constraints=webcontainer`.
 */
export const CONSTRAINTS = ['webcontainer'] as const;
export type Constraints = (typeof CONSTRAINTS)[number];

export function parseConstraints(value: string | null | undefined): Constraints | undefined {
  return CONSTRAINTS.find((name) => name === value);
}

/** One booted runtime with one session: a folder that is the working directory of every process it spawns. */
export interface Runtime {
  readonly kind: RuntimeKind;
  /** The limits the runtime emulates, if any; the panel names them next to the runtime. */
  readonly constraints?: Constraints;
  /** The sandbox programs this runtime can start, by name. */
  readonly programs: readonly string[];
  /** Writes files into the session folder (paths are relative to it; none may leave it). */
  mount(tree: FileTree): Promise<void>;
  spawn(program: string, args: string[], options?: SpawnOptions): Promise<SandboxProcess>;
  fs: {
    readFile(path: string): Promise<string>;
    writeFile(path: string, contents: string): Promise<void>;
  };
  /** Ends every process of the session and releases the runtime. */
  teardown(): void;
}

/** A step of booting, named so the page can show progress ("Booting WebContainer…"). */
export type BootStep = (label: string) => void;

/** Why a runtime could not start, in words a learner can act on. */
export class RuntimeUnavailable extends Error {
  readonly kind: RuntimeKind;
  /** What the learner can do about it. */
  readonly advice: string;
  constructor(kind: RuntimeKind, message: string, advice: string) {
    super(message);
    this.name = 'RuntimeUnavailable';
    this.kind = kind;
    this.advice = advice;
  }
}

/** The escape sequence the local bridge writes to stdin when the terminal is resized (xterm's window-size report). */
export function resizeSequence({ cols, rows }: TerminalSize): string {
  return `\x1b[8;${rows};${cols}t`;
}
