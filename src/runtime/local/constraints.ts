// The local bridge's constrained mode: programs run under the limits WebContainers are documented or reported to have
// (../shared/WEBCONTAINER-COMPAT.md §2, §3, §7), so that what breaks there breaks here first, where it can be tested.
// It EMULATES those limits; it proves nothing about StackBlitz itself (only the probe page on a real WebContainer does).
//
// Two halves: what a process does to itself and its children (webcontainer-limits.mjs, preloaded into every node
// through NODE_OPTIONS, which descendants inherit with `{...process.env}`), and what the container's terminal does
// between the page and the process (LineDiscipline below, applied by the bridge).

const PRELOAD = new URL('./webcontainer-limits.mjs', import.meta.url).href;

/** The environment that puts a program and all its descendants under the limits (the page can never set NODE_OPTIONS). */
export function constrainedEnv<Env extends Record<string, string | undefined>>(
  env: Env,
): Env & { NODE_OPTIONS: string } {
  return { ...env, NODE_OPTIONS: `--import=${JSON.stringify(PRELOAD)}` };
}

/**
 * A pseudo-terminal's line discipline, as a WebContainer's `spawn` puts one between `input`/`output` and the process:
 * stdout and stderr arrive merged, every `\n` written becomes `\r\n` (ONLCR); and while the terminal is in cooked mode
 * (a process spawned without a terminal size, which nothing puts in raw mode), `\r` typed becomes `\n` (ICRNL) and the
 * input is echoed back on the output (ECHO), so the page must ignore output lines that are not events
 * (webcontainer-core#1341 reports `\r\n` arriving as `\n\n`).
 */
export class LineDiscipline {
  private readonly cooked: boolean;

  constructor(cooked: boolean) {
    this.cooked = cooked;
  }

  /** What the process reads for what was typed, and what the terminal echoes for it (empty when raw). */
  input(typed: string): { read: string; echo: string } {
    if (!this.cooked) return { read: typed, echo: '' };
    const read = typed.replace(/\r/g, '\n');
    return { read, echo: this.output(read) };
  }

  output(written: string): string {
    return written.replace(/\n/g, '\r\n');
  }
}
