// Runs one command line: splits it into words, finds each command of the pipeline in the table and runs it,
// feeding one command's output to the next. Typos get bash's "command not found" plus a suggestion.
import type { Command, CommandIO } from './command';
import { INSTEAD } from './hints';
import { didYouMean } from '../shared/suggest';
import { parseLine, ParseError, type Parsed } from './words';

/** What the shell provides to every command; out() is the terminal. */
export type Terminal = Omit<CommandIO, 'input'>;

/** Splits a command line; a syntax error is reported as bash does, and gives undefined. */
export function parseCommandLine(line: string, err: (text: string) => void): Parsed | undefined {
  try {
    return parseLine(line);
  } catch (error) {
    if (!(error instanceof ParseError)) throw error;
    err(`shell: ${error.message}\n`);
    return undefined;
  }
}

export async function runPipeline(pipeline: string[][], terminal: Terminal): Promise<number> {
  if (pipeline[0].length === 0) return 0;

  let input: string | undefined;
  let status = 0;
  for (const [index, [name, ...args]] of pipeline.entries()) {
    const command = terminal.commands.find((c) => c.name === name);
    if (!command) {
      const hint =
        (INSTEAD[name]
          ? ` (in this sandbox, ${INSTEAD[name]})`
          : didYouMean(
              name,
              terminal.commands.map((c) => c.name),
            )) || ". Type 'help' to list the commands";
      terminal.err(`${name}: command not found${hint}\n`);
      return 127;
    }
    const last = index === pipeline.length - 1;
    let captured = '';
    const io: CommandIO = Object.create(terminal, {
      out: { value: last ? terminal.out : (text: string) => (captured += text) },
      interactive: { value: last && terminal.interactive },
      input: { value: input },
    });
    status = await runCommand(command, args, io);
    if (terminal.signal.aborted) return 130; // 128 + SIGINT, as a shell reports a command stopped by Ctrl-C
    input = captured;
  }
  return status;
}

async function runCommand(command: Command, args: string[], io: CommandIO): Promise<number> {
  try {
    return await command.run(args, io);
  } catch (error) {
    if (io.signal.aborted) return 130;
    // A bug in a command must not take the terminal down with it: say what happened and carry on.
    io.err(`${command.name}: ${(error as Error)?.message ?? String(error)}\n`);
    return 1;
  }
}
