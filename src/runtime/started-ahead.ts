// The processes a sandbox starts first, started ahead of it. Starting a Node.js process and loading a program costs a
// few hundred milliseconds of CPU (more on a busy laptop), which the learner would otherwise wait for each time a
// sandbox starts: its supervisor, its terminal's shell and its load control's shell. They are started in the folder
// of the runtime's next loan (src/runtime/visit.ts) and wait: the supervisor for its scenario's name on stdin
// (`--scenario -`), each shell for keys. Only on the local runtime, and not under the emulated WebContainer limits:
// there the tab's memory is the sandbox's, and a WebContainer run has none.
import { stopProcess } from './stop';
import { STARTED_AHEAD, type Runtime, type SandboxProcess, type SpawnOptions, type StartedAhead } from './types';

interface Waiting {
  start: StartedAhead;
  process: Promise<SandboxProcess | undefined>;
  /** Set once the process has ended (one that ended cannot be used). */
  ended: boolean;
}

export interface Ahead {
  /** The loan folder they run in: only that loan may use them. */
  folder: string;
  waiting: Waiting[];
}

/** Whether `runtime` starts processes ahead (see above). */
export function startsAhead(runtime: Runtime): boolean {
  return runtime.kind === 'local' && !runtime.constraints && runtime.programs.includes('supervisor');
}

export function startAhead(runtime: Runtime, folder: string): Ahead {
  const waiting = STARTED_AHEAD.filter((start) => runtime.programs.includes(start.program)).map((start) => {
    const entry: Waiting = {
      start,
      ended: false,
      process: runtime.spawn(start.program, [...start.args], { cwd: folder, terminal: start.terminal }).then(
        (process) => {
          void process.exit.then(() => (entry.ended = true));
          return process;
        },
        () => undefined, // the loan starts its own instead
      ),
    };
    return entry;
  });
  return { folder, waiting };
}

/**
 * The process started ahead for this spawn, or undefined when there is none (then the caller spawns its own). A
 * supervisor is told its scenario (`--scenario NAME`); a shell is taken for a terminal of the size it was started with.
 */
export function takeAhead(
  ahead: Ahead,
  program: string,
  args: string[],
  options: SpawnOptions = {},
): Promise<SandboxProcess | undefined> | undefined {
  const index = ahead.waiting.findIndex(({ start }) => answers(start, program, args, options));
  if (index < 0) return undefined;
  const [taken] = ahead.waiting.splice(index, 1);
  return program === 'supervisor' ? runScenario(taken, args[1]!) : usable(taken);
}

/** Whether a process started as `start` can be what this spawn asks for. */
function answers(start: StartedAhead, program: string, args: string[], options: SpawnOptions): boolean {
  if (start.program !== program || options.env) return false;
  if (program === 'supervisor') return args.length === 2 && args[0] === '--scenario';
  return (
    args.join('\0') === start.args.join('\0') &&
    options.terminal?.cols === start.terminal?.cols &&
    options.terminal?.rows === start.terminal?.rows
  );
}

async function usable(waiting: Waiting): Promise<SandboxProcess | undefined> {
  const process = await waiting.process;
  return process && !waiting.ended ? process : undefined;
}

/** The supervisor started ahead, told to run `scenario`, or undefined when it cannot take it. */
async function runScenario(waiting: Waiting, scenario: string): Promise<SandboxProcess | undefined> {
  const process = await usable(waiting);
  if (!process) return undefined;
  // Told its scenario already, by the server as it served this page: the nodes of this one start or run; another is
  // not this sandbox's, which starts its own supervisor.
  if (process.scenario === scenario) return process;
  if (process.scenario !== undefined) return void stopProcess(process);
  // One line: a name that would make two is not a scenario, and the supervisor started for it refuses it by name.
  if (/[\r\n]/.test(scenario)) return void stopProcess(process);
  const stdin = process.input.getWriter();
  try {
    await stdin.write(`${scenario}\n`);
    return process;
  } catch {
    return void stopProcess(process);
  } finally {
    stdin.releaseLock();
  }
}

/**
 * Ends the processes started ahead that no sandbox took. None needs a quit command: the local runtime's kill() ends
 * a process's whole group, so a supervisor the server told its scenario goes with its nodes.
 */
export function dropAhead(ahead: Ahead): void {
  for (const { process } of ahead.waiting.splice(0)) void process.then((started) => started && stopProcess(started));
}
