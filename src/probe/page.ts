// The /probe/ page: boots the runtime the address asks for, through the same code as the lessons
// (src/runtime/select.ts), runs the `probe` program twice (without a terminal, as the supervisor runs, then with one,
// as the shell runs), answers its prompts, and fills the table as its lines arrive. The page adds what only it can
// see: whether the line it wrote came back echoed, and its own figures (isolation, boot time, memory).
import { describeRuntime, startRuntime } from '../runtime/select';
import { readSelection } from '../runtime/selection';
import type { Runtime, SandboxProcess } from '../runtime/types';
import { bootProgress, eachLine, part } from '../sandbox/boot-view';
import { readLine, reportText, RESULT_LABEL, verdict, type Row } from './report';

/**
 * The probe takes about 30 s on a laptop. Where children never answer, its checks time out one by one (5 s each, 90 s
 * for each batch of 20 starts): about 4 minutes. Past this, the run is cut short and reported as such.
 */
const RUN_TIMEOUT_MS = 600_000;
const TERMINAL = { cols: 80, rows: 24 };

const megabytes = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;

/** Chrome's non-standard performance.memory, where there is one. */
function pageMemory(): string {
  const memory = (performance as Performance & { memory?: { usedJSHeapSize: number; totalJSHeapSize: number } }).memory;
  return memory
    ? `${megabytes(memory.usedJSHeapSize)} used of ${megabytes(memory.totalJSHeapSize)} JS heap`
    : 'not reported by this browser';
}

export async function runProbePage(root: HTMLElement): Promise<void> {
  const rowsBody = part<HTMLTableSectionElement>(root, 'rows');
  const progress = part<HTMLElement>(root, 'progress');
  const summary = part<HTMLElement>(root, 'summary');
  const steps = part<HTMLOListElement>(root, 'steps');
  const notices = part<HTMLElement>(root, 'notices');
  const figuresList = part<HTMLDListElement>(root, 'figures');
  const copy = part<HTMLButtonElement>(root, 'copy');
  const copied = part<HTMLElement>(root, 'copied');
  const text = part<HTMLTextAreaElement>(root, 'report');
  const rows: Row[] = [];
  const figures: [string, string][] = [];

  const figure = (name: string, value: string) => {
    figures.push([name, value]);
    const dt = document.createElement('dt');
    const dd = document.createElement('dd');
    dt.textContent = name;
    dd.textContent = value;
    figuresList.append(dt, dd);
  };
  const addRow = (row: Row) => {
    rows.push(row);
    const tr = document.createElement('tr');
    tr.dataset.check = row.check;
    tr.dataset.result = row.result;
    tr.dataset.needed = String(row.needed);
    const header = document.createElement('th');
    header.scope = 'row';
    header.innerHTML = '<code></code><br><span class="probe-title"></span>';
    header.querySelector('code')!.textContent = row.check;
    header.querySelector('span')!.textContent = row.title;
    tr.append(header);
    for (const value of [RESULT_LABEL[row.result], row.needed ? 'yes' : 'no', row.figure ?? '', row.detail]) {
      const td = document.createElement('td');
      td.textContent = value;
      tr.append(td);
    }
    rowsBody.append(tr);
    progress.textContent = `${rows.length} checks done; last: ${row.check}, ${RESULT_LABEL[row.result]}`;
  };
  const { step, notice } = bootProgress(steps, notices);
  const finish = (state: 'done' | 'failed') => {
    figure('performance.memory after', pageMemory());
    const { text: sentence, failed } = verdict(rows);
    summary.textContent = sentence;
    summary.dataset.result = failed.length ? 'fail' : 'pass';
    text.value = reportText({ page: location.href, figures, rows });
    copy.disabled = false;
    progress.textContent = `Done: ${sentence}.`;
    root.dataset.state = state;
  };
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text.value);
      copied.textContent = 'Copied the report.';
    } catch {
      text.select();
      copied.textContent =
        'This browser did not allow copying: the report is selected in the box below, copy it from there.';
    }
  });

  const selection = readSelection(location.search);
  figure('crossOriginIsolated', String(globalThis.crossOriginIsolated));
  figure('performance.memory before', pageMemory());
  progress.textContent = 'Starting the runtime…';
  const booting = performance.now();
  let runtime: Runtime;
  try {
    runtime = await startRuntime(selection, step, notice);
  } catch (error) {
    notice({ message: (error as Error).message, advice: (error as { advice?: string }).advice ?? '' });
    figure('runtime', 'none could start');
    return finish('failed');
  }
  addEventListener('pagehide', () => runtime.teardown(), { once: true });
  figure('runtime', describeRuntime(runtime));
  figure('boot time', `${Math.round(performance.now() - booting)} ms`);

  const run = async (
    label: string,
    args: string[],
    terminal: typeof TERMINAL | undefined,
    echoRow: Omit<Row, 'result' | 'detail'>,
  ) => {
    progress.textContent = `Running the probe ${label}…`;
    // Its own folder, as each sandbox of a lesson has.
    const probe: SandboxProcess = await runtime.spawn('probe', args, { cwd: 'probe', ...(terminal && { terminal }) });
    const input = probe.input.getWriter();
    /** The lines written for `line` prompts: the page looks for them coming back (echo). */
    const written: string[] = [];
    const other: string[] = [];
    let finished = false;
    const reading = eachLine(probe.output, (text) => {
      const line = readLine(text);
      if (line.kind === 'row') addRow(line.row);
      else if (line.kind === 'summary') finished = true;
      else if (line.kind === 'other') other.push(line.text);
      else if (line.prompt.prompt === 'resize') probe.resize({ cols: line.prompt.cols, rows: line.prompt.rows });
      else if (line.prompt.prompt === 'keys') void input.write(line.prompt.send);
      else {
        written.push(line.prompt.send);
        void input.write(`${line.prompt.send}\n`);
      }
    });
    const timer = setTimeout(() => probe.kill(), RUN_TIMEOUT_MS);
    const code = await probe.exit;
    clearTimeout(timer);
    await Promise.race([reading, new Promise((resolve) => setTimeout(resolve, 1000))]);
    if (!finished) {
      addRow({
        check: `probe-${label.replace(/\W+/g, '-')}`,
        title: `The probe ${label} ran to its summary`,
        needed: true,
        result: 'fail',
        detail: `it ended with exit code ${code} before its summary line (limit ${RUN_TIMEOUT_MS / 1000} s)${other.length ? `; its last output: ${other.slice(-3).join(' / ')}` : ''}`,
      });
    }
    if (written.length) {
      const echoed = other.some((text) => written.some((line) => text.includes(line)));
      addRow({
        ...echoRow,
        result: 'info',
        figure: echoed ? 'echoed' : 'not echoed',
        detail: echoed
          ? 'the line the page wrote came back on the output (a terminal line discipline echoes input)'
          : 'the line the page wrote did not come back on the output (no echo)',
      });
    }
  };

  await run('without a terminal', [], undefined, {
    check: 'input-echo',
    title: "Is a line written to the probe's input echoed on its output (no terminal)",
    needed: false,
  });
  await run('with a terminal', ['terminal'], TERMINAL, {
    check: 'terminal-echo',
    title: 'Is a line typed into the terminal echoed on its output',
    needed: false,
  });
  finish('done');
}
