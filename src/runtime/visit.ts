// The runtimes of this visit. Booting is the slow part of a sandbox (a WebContainer downloads its runtime; the local
// bridge opens a session and its folder), and client-side navigation (src/components/Head.astro) keeps this page's
// JavaScript running from lesson to lesson. So a runtime is booted once and then lent to one sandbox at a time: when
// a sandbox leaves the page, the processes it started are stopped and its runtime waits for the next page's sandbox.
// A full page load (reload, another site) ends the visit: every runtime is torn down with the page.
import { readSelection, startRuntime } from './select';
import type { BootStep, RuntimeKind, RuntimeUnavailable, Runtime, SandboxProcess } from './types';

/** A runtime lent to one sandbox: what it spawns is stopped when it is given back. */
export interface Loan {
  runtime: Runtime;
  /** Stops every process spawned through this loan; the runtime is lent again once they have all exited. */
  giveBack(): void;
}

const idle: Runtime[] = [];
/** Runtimes whose last sandbox left the page and whose processes are still exiting. */
const returning: Promise<Runtime>[] = [];

export async function borrowRuntime(
  step: BootStep,
  notice: (problem: RuntimeUnavailable, fallback?: RuntimeKind) => void,
): Promise<Loan> {
  const earlier = idle.pop() ?? (await returning.shift());
  if (earlier) {
    step(`Using the ${earlier.kind} runtime started on an earlier page (no new boot)`);
    return lend(earlier);
  }
  const runtime = await startRuntime(readSelection(location.search), step, notice);
  addEventListener('pagehide', () => runtime.teardown(), { once: true });
  return lend(runtime);
}

function lend(runtime: Runtime): Loan {
  const started: SandboxProcess[] = [];
  let given = false;
  const lent: Runtime = {
    kind: runtime.kind,
    programs: runtime.programs,
    mount: (tree) => runtime.mount(tree),
    fs: runtime.fs,
    async spawn(program, args, options) {
      const process = await runtime.spawn(program, args, options);
      started.push(process);
      if (given) process.kill(); // spawned while the sandbox was leaving the page
      return process;
    },
    teardown: () => giveBack(),
  };
  const giveBack = () => {
    if (given) return;
    given = true;
    for (const process of started) process.kill();
    const back = Promise.all(started.map((process) => process.exit)).then(() => runtime);
    returning.push(back);
    void back.then(() => {
      // Not yet claimed by a sandbox that was waiting for it: keep it for the next one.
      const waiting = returning.indexOf(back);
      if (waiting === -1) return;
      returning.splice(waiting, 1);
      idle.push(runtime);
    });
  };
  return { runtime: lent, giveBack };
}
