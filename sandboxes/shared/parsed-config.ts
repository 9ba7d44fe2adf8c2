// What every program's config parser returns: the configuration, or no configuration and the errors that refused it,
// with the warnings either way. All the errors are collected, not just the first, as HAProxy and keepalived list
// every problem in a file; the program decides how to print them (its real tool's words) and what to keep running.
export interface ParsedConfig<T> {
  /** Absent when the file has errors: a program then keeps its running configuration, or refuses to start. */
  config?: T;
  errors: string[];
  warnings: string[];
}

/** A parse that stopped at its first error, in the common shape. */
export function parsedOrError<T>(parse: () => T, warnings: (config: T) => string[] = () => []): ParsedConfig<T> {
  try {
    const config = parse();
    return { config, errors: [], warnings: warnings(config) };
  } catch (error) {
    return { errors: [(error as Error).message], warnings: [] };
  }
}
