// How every sandbox program reads its command line: node:util's parseArgs over the options the program declares
// (short `-f` and long `--config.file` alike), and one way to refuse a bad line, as the real tools do: the problem in
// the program's own words, its usage under it, on stderr, and a non-zero exit status.
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

export interface CommandLine<O extends ParseArgsOptionsConfig> {
  options: O;
  /** Printed under every refusal. */
  usage: string;
  /** How the program words a problem: `web: --name is required`, HAProxy's `[ALERT] ...`. */
  complaint: (problem: string) => string;
  /** Whether words that are not options are taken (the store's role, the probe's command). */
  positionals?: boolean;
  /** The exit status of a refusal: 2 by default (a usage error), 1 where the real tool exits 1 (HAProxy). */
  status?: number;
}

/** The options and words of `args`; a line parseArgs cannot read is refused. */
export function readCommandLine<const O extends ParseArgsOptionsConfig>(
  line: CommandLine<O>,
  args = process.argv.slice(2),
) {
  try {
    return parseArgs({ args, options: line.options, allowPositionals: line.positionals ?? false, strict: true });
  } catch (error) {
    return refuse(line, (error as Error).message);
  }
}

/** Refuses the command line for what the program found wrong with it, as a bad option is refused. */
export function refuse(line: Omit<CommandLine<ParseArgsOptionsConfig>, 'options'>, problem: string): never {
  process.stderr.write(`${line.complaint(problem)}\n${line.usage}\n`);
  process.exit(line.status ?? 2);
}
