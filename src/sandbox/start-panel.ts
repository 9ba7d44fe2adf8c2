// The sandbox panel: borrows the visit's runtime (booting it on the first page), starts the lesson's scenario (the
// supervisor) and attaches the shell to the terminal. The page is a view of processes; it can stop and restart the
// terminal's program. When the panel leaves the page (`leaving` aborts: client-side navigation to another lesson),
// its processes stop and the runtime goes back to the visit for the next lesson's panel (src/runtime/visit.ts).
//
// For other parts of the UI, the panel's root element dispatches:
//   'sandbox:ready'  detail: { runtime: Runtime, command(command: object): void }  once the scenario is starting
//   'sandbox:event'  detail: SandboxEvent (one JSON line of the supervisor's stream)
import type { SandboxEvent } from '../../sandboxes/contracts/events/index';
import { describeRuntime } from '../runtime/select';
import { stopProcess } from '../runtime/stop';
import { TERMINAL_SIZE, type Runtime, type SandboxProcess } from '../runtime/types';
import { abandoned, borrowRuntime, type Loan, type Notice, type Returned } from '../runtime/visit';
// For the page's first sandbox, before it starts (src/sandbox/bench.ts).
export { prepareRuntime } from '../runtime/visit';
import { WEBCONTAINER_ERROR } from '../runtime/webcontainer';
import { bootProgress, eachLine, part } from './boot-view';
import { spawnLoadShell } from './view/load-control';
import { throttledRedraw } from './redraw';
import { yieldToPage } from './yield';

/**
 * The event a line of the supervisor's output carries, or undefined for any other line. In a WebContainer the
 * supervisor's stdin is a pseudo-terminal, which may echo the page's commands back into the output.
 */
function eventIn(line: string): SandboxEvent | undefined {
  try {
    const event = JSON.parse(line) as Partial<SandboxEvent> | null;
    return typeof event?.seq === 'number' && typeof event.type === 'string' ? (event as SandboxEvent) : undefined;
  } catch {
    return undefined;
  }
}

export async function startPanel(root: HTMLElement, leaving: AbortSignal): Promise<void> {
  if (leaving.aborted) return;
  const scenario = root.dataset.scenario ?? '';
  const steps = part<HTMLOListElement>(root, 'steps');
  const indicator = part<HTMLElement>(root, 'runtime');
  const notices = part<HTMLElement>(root, 'notices');
  const state = part<HTMLElement>(root, 'state');
  const supervisorState = part<HTMLElement>(root, 'supervisor');
  const lastEvent = part<HTMLElement>(root, 'last-event');
  const stop = part<HTMLButtonElement>(root, 'stop');
  const restart = part<HTMLButtonElement>(root, 'restart');

  const { step, notice, done } = bootProgress(steps, notices);

  let loan: Loan;
  try {
    loan = await borrowRuntime(step, notice);
  } catch (error) {
    const problem = error as { message: string; advice?: string };
    notice({ message: problem.message, advice: problem.advice ?? '' });
    indicator.dataset.runtime = 'none';
    indicator.textContent = 'Runtime: none could start';
    state.textContent = 'The sandbox could not start.';
    return;
  }
  // Stopped (another sandbox started, or the page left): the processes end, and what would not is said here.
  const stopped = () =>
    void loan.giveBack().then((returned) => {
      root.dataset.stoppedIn = returned.folder;
      for (const { program, ending } of returned.endings)
        root.dataset[`${program}Ending`] = ending.by === 'stuck' ? 'stuck' : `${ending.by} ${ending.code}`;
      tellAbandoned(returned, notice);
    });
  leaving.addEventListener('abort', stopped, { once: true });
  if (leaving.aborted) return stopped();
  const runtime: Runtime = loan.runtime;
  root.dataset.folder = loan.folder;
  const containerError = (event: Event) =>
    notice({
      message: `The WebContainer reported an error: ${(event as CustomEvent<string>).detail}.`,
      advice: 'If the sandbox stops answering, reload the page.',
    });
  document.addEventListener(WEBCONTAINER_ERROR, containerError);
  leaving.addEventListener('abort', () => document.removeEventListener(WEBCONTAINER_ERROR, containerError), {
    once: true,
  });
  indicator.dataset.runtime = runtime.kind;
  indicator.textContent = `Runtime: ${describeRuntime(runtime)}`;

  // The terminal (xterm.js, most of the panel's code) loads while the runtime boots, and its shell starts alongside
  // the scenario's nodes: the shell waits for the supervisor by itself (sandboxes/shell/control-file.ts), so the learner
  // has a prompt as soon as the topology is up instead of one process start later.
  const terminalModule = import('./terminal');
  const program = runtime.programs.includes('shell') ? 'shell' : undefined;
  // The views (topology, load control, exercises...) load alongside too, not once the supervisor has been spawned.
  const viewsModule = import('./view/mount-views');
  // The panel is ready (data-ready) once the topology is: the supervisor's 'ready', or its exit if it stops before.
  let topologyUp: Promise<unknown> = Promise.resolve();
  if (scenario && runtime.programs.includes('supervisor')) {
    step(`Starting the scenario “${scenario}”`);
    topologyUp = runtime.spawn('supervisor', ['--scenario', scenario]).then((started) => {
      const commands = started.input.getWriter();
      supervisorState.textContent = 'running';
      const events: SandboxEvent[] = [];
      const command = (command: object) => commands.write(JSON.stringify(command) + '\n');
      root.dispatchEvent(new CustomEvent('sandbox:ready', { detail: { runtime, command } }));
      // The views (topology, event log, charts, exercises) catch up from `events`; they are drawn in a task of their
      // own, not in the one that evaluated their module.
      void viewsModule.then(async ({ mountViews }) => {
        await yieldToPage();
        if (!leaving.aborted) await mountViews(root, { runtime, command, events, loadShell }, leaving);
      });
      let said = ''; // the last line that is not JSON: what the supervisor says when it fails to start
      let ready!: () => void;
      const up = Promise.race([new Promise<void>((resolve) => (ready = resolve)), started.exit]);
      const tellLast = throttledRedraw(() => {
        const last = events[events.length - 1];
        lastEvent.textContent = `${events.length} events; last: ${last.node} ${last.type}${last.type === 'log' ? `: ${last.text}` : ''}`;
      });
      void eachLine(started.output, (line) => {
        const event = eventIn(line);
        if (!event) {
          if (!line.trimStart().startsWith('{')) said = line.trim();
          return;
        }
        events.push(event);
        tellLast();
        root.dispatchEvent(new CustomEvent('sandbox:event', { detail: event }));
        if (event.type === 'ready') ready();
      });
      void started.exit.then(
        (code) => (supervisorState.textContent = `stopped (exit code ${code})${code && said ? `: ${said}` : ''}`),
      );
      return up;
    });
  } else if (scenario) {
    supervisorState.textContent = 'not available in this build (no supervisor program)';
  }
  // The shell is spawned now, not once xterm.js has loaded: its start overlaps the supervisor's, while the nodes do
  // not run yet (on the local runtime it was started ahead, src/runtime/started-ahead.ts). Its first output waits in
  // its stream, and it learns the terminal's size once the terminal is open.
  let early = program ? runtime.spawn(program, [], { terminal: TERMINAL_SIZE }) : undefined;
  early?.catch(() => {}); // reported by attach() below
  // The load control's shell too, in a sandbox with a front door (src/components/Sandbox.astro): the learner's first
  // rate is then sent at once, not one process start later.
  const loadShell = program && root.dataset.frontDoor === 'true' ? spawnLoadShell(runtime) : undefined;
  loadShell?.catch(() => {}); // reported when a rate is chosen

  const { openTerminal } = await terminalModule;
  // The terminal opens once the topology is up (at most TERMINAL_WAITS_MS): xterm.js's first render, with the garbage
  // collection it brings, is 0.1-0.15 s of the main thread, which taken while the nodes start is CPU they wait for.
  // Its shell runs already, so the prompt shows as soon as it opens.
  await Promise.race([topologyUp.catch(() => {}), new Promise((resolve) => setTimeout(resolve, TERMINAL_WAITS_MS))]);
  await yieldToPage(); // xterm.js's evaluation and the terminal's first render: two tasks, not one long one
  if (leaving.aborted) return void topologyUp.catch(() => {}); // the sandbox is being stopped: nothing to report
  step('Starting the terminal');
  let shell: SandboxProcess | undefined;
  let keys: WritableStreamDefaultWriter<string> | undefined;
  const terminal = openTerminal(part(root, 'terminal'), (size) => shell?.resize(size));
  terminal.onData((data) => void keys?.write(data));
  leaving.addEventListener('abort', () => terminal.dispose(), { once: true });

  const attach = async () => {
    if (leaving.aborted) return;
    if (!program) {
      state.textContent = 'No shell program in this build.';
      return;
    }
    terminal.reset();
    const size = { cols: terminal.cols, rows: terminal.rows };
    const spawned = early ?? runtime.spawn(program, [], { terminal: size });
    shell = await spawned;
    if (spawned === early && (size.cols !== TERMINAL_SIZE.cols || size.rows !== TERMINAL_SIZE.rows)) shell.resize(size);
    early = undefined;
    keys = shell.input.getWriter();
    const running = shell;
    state.textContent = `Terminal: ${program} running`;
    stop.disabled = false;
    void running.output
      .pipeTo(new WritableStream({ write: (data) => void (leaving.aborted || terminal.write(data)) }))
      .catch(() => {});
    void running.exit.then((code) => {
      if (shell !== running) return;
      state.textContent = `Terminal: ${program} stopped (exit code ${code})`;
      stop.disabled = true;
      keys = undefined;
    });
  };
  stop.addEventListener('click', () => shell?.kill());
  restart.addEventListener('click', async () => {
    restart.disabled = true;
    if (shell && !stop.disabled && (await stopProcess(shell)).by === 'stuck') {
      notice({
        message: `The ${program} did not exit when stopped; a new one starts beside it.`,
        advice: 'If the sandbox gets slow, reload the page.',
      });
    }
    await attach();
    restart.disabled = false;
    terminal.focus();
  });
  await Promise.all([topologyUp, attach()]);
  restart.disabled = false;
  done();
  root.dataset.ready = '';
  // Now, not while this sandbox starts: the next one's supervisor loads while the learner works here.
  loan.readyNext();
}

/**
 * The longest the terminal waits for the topology: a scenario up within it (every lesson's but the capstone's, on a
 * laptop) opens its terminal right after; a slow or failing one does not keep the learner from the shell.
 * Measured (bench:page-load, overview, 18 runs each): first request 1.22 → 1.10 s (median), prompt 0.97 → 0.99 s.
 */
const TERMINAL_WAITS_MS = 1000;

/** Says, in the panel that was stopped, which of its processes would not stop and that their folder is left behind. */
function tellAbandoned(returned: Returned, notice: (problem: Notice) => void): void {
  const words = abandoned(returned);
  if (words) notice({ message: words, advice: 'If the page gets slow, reload it.' });
  returned.reported = true;
}
