// What a shell command is, and what the shell gives it to run. One command = one module in commands/ that
// exports a Command; the table in commands/index.ts lists them.
import type { JobTable } from './jobs';
import type { Key } from './keys';
import type { Session } from './control-file';

export interface Command {
  name: string;
  /** One line for `help`. */
  summary: string;
  /** The full text of `help <name>`: usage lines, options, an example or two. */
  usage: string;
  /** Runs the command; the number is its exit status (0 = success), as `$?` would show it. */
  run(args: string[], io: CommandIO): Promise<number>;
  /** Candidates for the word being completed (args[args.length - 1], maybe ''), for Tab. */
  complete?(args: string[], io: CompletionIO): Promise<string[]> | string[];
}

export interface CompletionIO {
  session: Session;
  /** The commands, for help and completion. */
  readonly commands: readonly Command[];
  /** The background jobs (`CMD &`), for jobs and fg; none inside a job itself. */
  readonly jobs?: JobTable;
}

export interface CommandIO extends CompletionIO {
  /** Writes to the terminal (or to the next command of a pipeline); "\n" becomes "\r\n" on the terminal. */
  out(text: string): void;
  /** Writes an error to the terminal, even inside a pipeline. */
  err(text: string): void;
  /** What the previous command of a pipeline wrote, if this command is not the first. */
  input?: string;
  /** Aborted when the learner presses Ctrl-C (for a background job: once fg has brought it back). */
  signal: AbortSignal;
  /** The terminal's size now (it may change while a command runs). */
  readonly columns: number;
  readonly rows: number;
  /** True when out() goes to the terminal (not into a pipe): live displays only make sense there. */
  readonly interactive: boolean;
  /** Takes the keyboard (a full-screen program); Ctrl-C still aborts. Call the returned function to give it back. */
  takeKeys(handler: (key: Key) => void): () => void;
  /** The lines typed so far, oldest first. */
  readonly history: readonly string[];
  /** Clears the screen. */
  clear(): void;
}
