// The runtime of this visit. Booting is the slow part of a sandbox (a WebContainer downloads its runtime; the local
// bridge opens a session and its folder), and client-side navigation (src/components/Head.astro) keeps this page's
// JavaScript running from lesson to lesson. So one runtime is booted and lent to each sandbox in turn, every loan in
// a folder of its own (`sandbox-<n>`, never used again on this runtime): two scenarios never share files, addresses or
// a supervisor, and a sandbox whose processes would not stop leaves its folder behind without harming the next one.
// A full page load (reload, another site) ends the visit: the runtime is torn down with the page, unless the page
// goes into the back/forward cache, from which it may come back as it was.
import { bootLocal } from './local/client';
import { startRuntime } from './select';
import { readSelection } from './selection';
import { dropAhead, startAhead, startsAhead, takeAhead, type Ahead } from './started-ahead';
import { stopProcess, type Ending } from './stop';
import { loanFolder, type BootStep, type Runtime, type RuntimeKind, type SandboxProcess } from './types';

/** What a sandbox program takes on its stdin as "end now, cleanly", where it has such a command. */
const QUIT_COMMAND: Readonly<Record<string, string>> = { supervisor: JSON.stringify({ cmd: 'quit' }) + '\n' };

/** A runtime lent to one sandbox: it runs what it spawns in its own folder and stops it when given back. */
export interface Loan {
  /** Spawns in `folder`; its `mount` and `fs` paths are inside `folder`. */
  runtime: Runtime;
  folder: string;
  /** Stops every process spawned through this loan (bounded: src/runtime/stop.ts); the same promise every call. */
  giveBack(): Promise<Returned>;
  /**
   * Called once the sandbox is up: what was started ahead for it and not taken is let go, and the next loan's
   * processes are started ahead (src/runtime/started-ahead.ts) soon after.
   */
  readyNext(): void;
}

/** How the processes of a loan ended once it was given back. */
export interface Returned {
  folder: string;
  endings: { program: string; ending: Ending }[];
  /** Set by whoever has told the learner about the processes that would not stop. */
  reported: boolean;
}

/** The processes of a returned loan that were still running when the last bound passed. */
export function stuck(returned: Returned): string[] {
  return returned.endings.filter(({ ending }) => ending.by === 'stuck').map(({ program }) => program);
}

/** Words for the learner about a loan whose processes would not all stop, or undefined when they all did. */
export function abandoned(returned: Returned): string | undefined {
  const programs = stuck(returned);
  if (!programs.length) return undefined;
  return `The ${programs.join(' and ')} of the stopped sandbox did not exit in time, so its folder ${returned.folder} is left behind; the next sandbox starts in a fresh folder.`;
}

let booted: Promise<Runtime> | undefined;
/** The steps of a boot begun before any sandbox asked (prepareRuntime), shown by the sandbox that first borrows it. */
let stepsAhead: string[] | undefined;
const loansOf = new WeakMap<Runtime, number>();
/** Each runtime's processes started ahead, for its next loan. */
const aheadOf = new WeakMap<Runtime, Ahead>();
const nextFolder = (runtime: Runtime) => loanFolder((loansOf.get(runtime) ?? 0) + 1);

/**
 * How long after a sandbox is up the next loan's processes are started: not while this one serves its first requests
 * (a supervisor started ahead starts its nodes' processes too, and they would take its CPU).
 */
const NEXT_AHEAD_AFTER_MS = 2000;

/** Starts the processes of `runtime`'s next loan ahead, where the runtime does and has none started yet. */
function readyAhead(runtime: Runtime): void {
  if (startsAhead(runtime) && !aheadOf.has(runtime)) aheadOf.set(runtime, startAhead(runtime, nextFolder(runtime)));
}
/** Loans given back whose processes may still be stopping; the next loan waits for them (bounded). */
const returning = new Set<Promise<Returned>>();

/** Something the learner should know while a sandbox starts: what went wrong and what to do. */
export interface Notice {
  message: string;
  advice: string;
}

export async function borrowRuntime(
  step: BootStep,
  notice: (problem: Notice, fallback?: RuntimeKind, quiet?: boolean) => void,
): Promise<Loan> {
  if (returning.size) {
    step('Stopping the sandbox that ran before');
    for (const returned of await Promise.all(returning)) {
      const words = abandoned(returned);
      if (words && !returned.reported) notice({ message: words, advice: '' });
      returned.reported = true;
    }
    returning.clear();
  }
  const ahead = stepsAhead;
  stepsAhead = undefined;
  // Connected ahead: its steps are this sandbox's. If that failed (no bridge on a static host), it boots as usual,
  // with the fallback and the notices of a boot.
  let runtime = ahead && (await booted?.catch(() => undefined));
  if (runtime) ahead!.forEach(step);
  else {
    const reused = booted !== undefined;
    runtime = await (booted ?? boot(() => startRuntime(readSelection(location.search), step, notice)));
    if (reused) step(`Using the ${runtime.kind} runtime started earlier in this visit (no new boot)`);
  }
  const folder = nextFolder(runtime);
  loansOf.set(runtime, (loansOf.get(runtime) ?? 0) + 1);
  const started = aheadOf.get(runtime);
  aheadOf.delete(runtime);
  if (started && started.folder !== folder) dropAhead(started);
  return lend(runtime, folder, started?.folder === folder ? started : undefined);
}

/**
 * Connects to the local bridge before any sandbox asks, so that the sandbox the learner reaches starts its programs at
 * once: the connection and the session's folder cost the bridge little. The processes a sandbox starts first are
 * started ahead, and wait (src/runtime/started-ahead.ts); no node runs until a sandbox starts.
 * Never a WebContainer, whose boot downloads its runtime and takes the tab's memory: it boots when a sandbox starts.
 */
export function prepareRuntime(): void {
  const { choice, constraints } = readSelection(location.search);
  if (booted || choice === 'webcontainer') return;
  const steps: string[] = (stepsAhead = []);
  boot(() => bootLocal((label) => steps.push(label), constraints)).catch(() => {}); // said by the sandbox that borrows
}

/**
 * Boots the visit's runtime; a boot that fails is forgotten, so that a later sandbox may try again. A runtime that
 * starts processes ahead starts its first loan's at once, before anyone waiting for the boot goes on: ahead of the
 * sandbox when the page connected ahead, and at the moment they would have been spawned anyway when not.
 */
function boot(start: () => Promise<Runtime>): Promise<Runtime> {
  const up = (runtime: Runtime) => {
    readyAhead(runtime);
    return endWithThePage(runtime);
  };
  const attempt: Promise<Runtime> = start().then(up, (error: unknown) => {
    if (booted === attempt) booted = undefined;
    throw error;
  });
  booted = attempt;
  return attempt;
}

/**
 * Tears the runtime down once, when the page is unloaded for good. A page going into the back/forward cache
 * (`persisted`) keeps it: it may come back, with its sandbox running. The local bridge's connection does not survive
 * the cache (browsers close WebSockets of a cached page), so a page restored from it forgets that runtime and the next
 * sandbox connects afresh; a WebContainer's frame is cached with the page and comes back with it.
 */
function endWithThePage(runtime: Runtime): Runtime {
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    removeEventListener('pagehide', onHide);
    removeEventListener('pageshow', onShow);
    runtime.teardown();
    if (booted === current) booted = undefined;
  };
  const onHide = (event: PageTransitionEvent) => event.persisted || end();
  const onShow = (event: PageTransitionEvent) => event.persisted && runtime.kind === 'local' && end();
  const current = booted;
  addEventListener('pagehide', onHide);
  addEventListener('pageshow', onShow);
  return runtime;
}

function lend(runtime: Runtime, folder: string, ahead: Ahead | undefined): Loan {
  const started: { program: string; process: SandboxProcess; quit?: () => Promise<void> }[] = [];
  let returned: Promise<Returned> | undefined;
  const inFolder = (path: string) => `${folder}/${path.replace(/^\/+/, '')}`;
  const letGo = () => {
    if (ahead) dropAhead(ahead);
    ahead = undefined;
  };
  const giveBack = () => {
    letGo();
    // The learner moves on (another sandbox, another lesson), maybe before this one was up: ready the next one's.
    readyAhead(runtime);
    returned ??= Promise.all(
      started.map(async ({ program, process, quit }) => ({ program, ending: await stopProcess(process, quit) })),
    ).then((endings) => ({ folder, endings, reported: false }));
    returning.add(returned);
    return returned;
  };
  const lent: Runtime = {
    kind: runtime.kind,
    constraints: runtime.constraints,
    programs: runtime.programs,
    mount: (tree) => runtime.mount({ [folder]: { directory: tree } }),
    fs: {
      readFile: (path) => runtime.fs.readFile(inFolder(path)),
      writeFile: (path, contents) => runtime.fs.writeFile(inFolder(path), contents),
    },
    async spawn(program, args, options) {
      // Without one started ahead, the spawn is asked for at once: before the caller's next one, as they were called.
      const taken = ahead && takeAhead(ahead, program, args, options);
      const process = (taken && (await taken)) ?? (await runtime.spawn(program, args, { ...options, cwd: folder }));
      const spawned = withQuit(program, process);
      started.push(spawned);
      if (returned) void stopProcess(spawned.process, spawned.quit); // spawned while the sandbox was being stopped
      return spawned.process;
    },
    teardown: () => void giveBack(),
  };
  const readyNext = () => {
    letGo();
    setTimeout(() => {
      if (!returned) readyAhead(runtime);
    }, NEXT_AHEAD_AFTER_MS);
  };
  return { runtime: lent, folder, giveBack, readyNext };
}

/**
 * The process as its sandbox sees it, plus its quit command when it has one. Its stdin goes through one writer kept
 * here, so the command can still be written once the sandbox holds the stream (a stream has one writer at a time).
 */
function withQuit(
  program: string,
  process: SandboxProcess,
): { program: string; process: SandboxProcess; quit?: () => Promise<void> } {
  const command = QUIT_COMMAND[program];
  if (!command) return { program, process };
  const stdin = process.input.getWriter();
  return {
    program,
    quit: () => stdin.write(command),
    process: {
      output: process.output,
      exit: process.exit,
      input: new WritableStream<string>({ write: (chunk) => stdin.write(chunk) }),
      kill: () => process.kill(),
      resize: (size) => process.resize(size),
    },
  };
}
