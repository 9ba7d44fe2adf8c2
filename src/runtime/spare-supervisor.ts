// A supervisor started ahead of the sandbox that will use it. Starting a Node.js process and loading the supervisor
// costs a few hundred milliseconds of CPU, which the learner would otherwise wait for each time a sandbox starts. A
// spare is started with `--scenario -` in the folder of the runtime's next loan (src/runtime/visit.ts): it loads,
// then waits for the scenario's name on stdin and runs nothing until then. Only on the local runtime, and not under
// the emulated WebContainer limits: there the tab's memory is the sandbox's, and a WebContainer run has no spare.
import { stopProcess } from './stop';
import { SUPERVISOR_AHEAD, type Runtime, type SandboxProcess } from './types';

export interface Spare {
  /** The loan folder the spare runs in: only that loan may use it. */
  folder: string;
  /** The process, or undefined if it could not be started. */
  process: Promise<SandboxProcess | undefined>;
  /** Set once the process has ended (a spare that ended cannot be used). */
  ended: boolean;
}

/** Whether `runtime` gets spares (see above). */
export function keepsSpares(runtime: Runtime): boolean {
  return runtime.kind === 'local' && !runtime.constraints && runtime.programs.includes('supervisor');
}

export function startSpare(runtime: Runtime, folder: string): Spare {
  const spare: Spare = {
    folder,
    ended: false,
    process: runtime.spawn(SUPERVISOR_AHEAD.program, [...SUPERVISOR_AHEAD.args], { cwd: folder }).then(
      (process) => {
        void process.exit.then(() => (spare.ended = true));
        return process;
      },
      () => undefined, // the loan starts its own supervisor instead
    ),
  };
  return spare;
}

/**
 * The spare's process, told to run `scenario`, or undefined when the spare cannot take it (it failed to start or has
 * ended): then the caller starts a supervisor of its own.
 */
export async function runOnSpare(spare: Spare, scenario: string): Promise<SandboxProcess | undefined> {
  const process = await spare.process;
  if (!process || spare.ended) return undefined;
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

/** Ends a spare that no loan used (it runs nothing, so it needs no quit command). */
export function dropSpare(spare: Spare): void {
  void spare.process.then((process) => process && stopProcess(process));
}
