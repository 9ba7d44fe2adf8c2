// The sandbox panel: borrows the visit's runtime (booting it on the first page), starts the lesson's scenario (the
// supervisor) and attaches the shell to the terminal. The page is a view of processes; it can stop and restart the
// terminal's program. When the panel leaves the page (`leaving` aborts: client-side navigation to another lesson),
// its processes stop and the runtime goes back to the visit for the next lesson's panel (src/runtime/visit.ts).
//
// For other parts of the UI, the panel's root element dispatches:
//   'sandbox:ready'  detail: { runtime: Runtime, command(command: object): void }  once the scenario is starting
//   'sandbox:event'  detail: SandboxEvent (one JSON line of the supervisor's stream)
import type { SandboxEvent } from '../../sandboxes/shared/events/index';
import type { Runtime, RuntimeKind, SandboxProcess } from '../runtime/types';
import { borrowRuntime, type Loan } from '../runtime/visit';

const RUNTIME_NAMES: Record<RuntimeKind, string> = {
  local: 'local: the programs run on this computer (npm start)',
  webcontainer: 'WebContainer: the programs run in this browser tab',
};

function part<T extends HTMLElement>(root: HTMLElement, name: string): T {
  return root.querySelector<T>(`[data-part="${name}"]`)!;
}

/** Reads a process's output as whole lines (the supervisor's stream is one JSON object per line). */
async function eachLine(output: ReadableStream<string>, onLine: (line: string) => void): Promise<void> {
  let pending = '';
  const reader = output.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const lines = (pending + value).split('\n');
    pending = lines.pop() ?? '';
    lines.filter((line) => line.trim()).forEach(onLine);
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

  let current: HTMLLIElement | undefined;
  const step = (label: string) => {
    current?.setAttribute('data-done', '');
    current = document.createElement('li');
    current.textContent = label;
    steps.append(current);
  };
  const notice = (problem: { message: string; advice: string }, fallback?: RuntimeKind) => {
    const p = document.createElement('p');
    p.textContent = `${problem.message} ${problem.advice}${fallback ? ` Trying the ${fallback} runtime instead.` : ''}`;
    notices.append(p);
    notices.hidden = false;
  };

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
  leaving.addEventListener('abort', loan.giveBack, { once: true });
  if (leaving.aborted) return loan.giveBack();
  const runtime: Runtime = loan.runtime;
  indicator.dataset.runtime = runtime.kind;
  indicator.textContent = `Runtime: ${RUNTIME_NAMES[runtime.kind]}`;

  // Each node's start is a Node.js process start: the terminal (xterm.js, most of the panel's code) and its shell wait
  // for the topology (the supervisor's 'ready', or its exit if it stops before) so as not to compete for the CPU.
  let topologyUp: Promise<unknown> = Promise.resolve();
  let supervisor: SandboxProcess | undefined;
  if (scenario && runtime.programs.includes('supervisor')) {
    step(`Starting the scenario “${scenario}”`);
    supervisor = await runtime.spawn('supervisor', ['--scenario', scenario]);
    const commands = supervisor.input.getWriter();
    supervisorState.textContent = 'running';
    const events: SandboxEvent[] = [];
    const command = (command: object) => commands.write(JSON.stringify(command) + '\n');
    root.dispatchEvent(new CustomEvent('sandbox:ready', { detail: { runtime, command } }));
    // The views (topology, event log, charts, exercises) load alongside and catch up from `events`.
    void import('./view/panel').then(({ mountViews }) => leaving.aborted || mountViews(root, { runtime, command, events }, leaving));
    let count = 0;
    let ready!: () => void;
    topologyUp = Promise.race([new Promise<void>((resolve) => (ready = resolve)), supervisor.exit]);
    void eachLine(supervisor.output, (line) => {
      try {
        const event = JSON.parse(line) as SandboxEvent;
        events.push(event);
        count += 1;
        lastEvent.textContent = `${count} events; last: ${event.node} ${event.type}${event.type === 'log' ? `: ${event.text}` : ''}`;
        root.dispatchEvent(new CustomEvent('sandbox:event', { detail: event }));
        if (event.type === 'ready') ready();
      } catch {
        lastEvent.textContent = line; // not an event: an error message from the supervisor itself
      }
    });
    void supervisor.exit.then((code) => (supervisorState.textContent = `stopped (exit code ${code})`));
  } else if (scenario) {
    supervisorState.textContent = 'not available in this build (no supervisor program)';
  }

  await topologyUp;
  const { openTerminal } = await import('./terminal');
  if (leaving.aborted) return;
  step('Starting the terminal');
  let shell: SandboxProcess | undefined;
  let keys: WritableStreamDefaultWriter<string> | undefined;
  const terminal = openTerminal(part(root, 'terminal'), (size) => shell?.resize(size));
  terminal.onData((data) => void keys?.write(data));
  leaving.addEventListener('abort', () => terminal.dispose(), { once: true });

  const program = runtime.programs.includes('shell') ? 'shell' : undefined;
  const attach = async () => {
    if (leaving.aborted) return;
    if (!program) {
      state.textContent = 'No shell program in this build.';
      return;
    }
    terminal.reset();
    shell = await runtime.spawn(program, [], { terminal: { cols: terminal.cols, rows: terminal.rows } });
    keys = shell.input.getWriter();
    const running = shell;
    state.textContent = `Terminal: ${program} running`;
    stop.disabled = false;
    void running.output.pipeTo(new WritableStream({ write: (data) => void (leaving.aborted || terminal.write(data)) })).catch(() => {});
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
    if (shell && !stop.disabled) {
      const ended = shell.exit;
      shell.kill();
      await ended;
    }
    await attach();
    restart.disabled = false;
    terminal.focus();
  });
  await attach();
  restart.disabled = false;
  current?.setAttribute('data-done', '');
  root.dataset.ready = '';
}
