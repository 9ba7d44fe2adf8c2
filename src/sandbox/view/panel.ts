// The sandbox's views, mounted into the panel (src/components/Sandbox.astro, src/sandbox/panel.ts) once the
// scenario starts: topology with node menus, load and chaos controls, exercises, timeline, charts and event log.
// All of it is derived from the supervisor's event stream through one reducer (state.ts); the views only draw.
import type { SandboxEvent } from '../../../sandboxes/shared/events/index';
import type { Command, Reply } from '../../../sandboxes/supervisor/commands';
import type { Runtime } from '../../runtime/types';
import { chaosScript } from './chaos';
import { Charts } from './charts';
import { EventLog } from './event-log';
import { ExercisePanel } from './exercises';
import { Instructor } from './instructor';
import { linkToSandbox, type SandboxHandle } from './link';
import { LoadControl } from './load-control';
import { nodeActions } from './node-actions';
import { NodeMenu } from './node-menu';
import { loadProgress, recordProgress } from './progress';
import { Replay } from './replay';
import { describe } from './sentences';
import { markSidebar } from './sidebar';
import { initialState, reduce, type ViewState } from './state';
import { Timeline } from './timeline';
import { TopologyView } from './topology';
import { uniqueId } from './ids';
import './panel.css';

const RATES = [0, 2, 5, 10, 20, 50, 100];

/** `leaving` aborts when the panel leaves the page: the views' timers stop (the panel stops the processes). */
export function mountViews(root: HTMLElement, sandbox: SandboxHandle & { runtime: Runtime }, leaving: AbortSignal): void {
  const link = linkToSandbox(root, sandbox);
  const upper = document.createElement('div');
  upper.className = 'sandbox-views';
  const [loadHelp, shortcuts] = [uniqueId('load-help'), uniqueId('shortcuts')];
  upper.innerHTML = `
    <div class="views-toolbar" role="toolbar" aria-label="Sandbox controls">
      <label>Load <select class="load" aria-describedby="${loadHelp}">${RATES.map((r) => `<option value="${r}">${r ? `${r} requests/s` : 'off'}</option>`).join('')}</select></label>
      <span id="${loadHelp}" class="sr-only">Requests per second sent to the front door by the sandbox's load command</span>
      <button type="button" class="chaos" aria-pressed="false">Chaos</button>
      <button type="button" class="presenter" aria-pressed="false">Presenter mode</button>
      <button type="button" class="shortcuts" aria-expanded="false" aria-controls="${shortcuts}">Keyboard shortcuts</button>
    </div>
    <div id="${shortcuts}" class="shortcut-help" hidden></div>
    <div class="views-stage"><figure class="topology-box"><figcaption class="sr-only">Topology: click a node, or focus it and press Enter, for its actions</figcaption></figure></div>
    <p class="views-status" role="status"></p>`;
  const lower = document.createElement('div');
  lower.className = 'sandbox-views-lower';
  const terminal = root.querySelector('.sandbox-terminal');
  root.insertBefore(upper, terminal);
  (root.querySelector('.sandbox-controls') ?? terminal)!.after(lower);

  const status = upper.querySelector<HTMLElement>('.views-status')!;
  const say = (text: string) => (status.textContent = text);
  const run = async (command: Command): Promise<Reply> => link.send(command);
  const stage = upper.querySelector<HTMLElement>('.views-stage')!;
  const topoBox = upper.querySelector<HTMLElement>('.topology-box')!;

  let live: ViewState = initialState();
  let shown: ViewState | undefined; // a replayed moment, or undefined when following the stream
  const replay = new Replay(link.events);
  const menu = new NodeMenu(root, run, say);
  const topology = new TopologyView(topoBox, {
    openMenu: (name, anchor) => menu.open(name, anchor, nodeActions(live, name)),
  });
  const exercises = new ExercisePanel(stage, async () => {
    const reply = await run({ cmd: 'reset' });
    return reply.ok ? 'The lab is back as it started; your saved progress is kept.' : `Could not reset: ${reply.error}`;
  });
  const timeline = new Timeline(upper, {
    show(count) {
      shown = count === undefined ? undefined : replay.stateAfter(count);
      log.showUntil(count === undefined ? Infinity : (link.events[count - 1]?.seq ?? 0));
      draw();
      charts.update(shown ?? live);
    },
    timeOf: (count) => link.events[count - 1]?.time ?? 0,
  });
  const charts = new Charts(lower);
  const log = new EventLog(lower);

  // Load: the shell's `load` command aimed at the front door (the VIP, else the balancer, else the web server).
  const load = new LoadControl(sandbox.runtime, () => {
    const front = live.vips[0]?.address ?? live.nodes.find((n) => n.role === 'balancer')?.address ?? live.nodes.find((n) => n.role === 'web')?.address;
    return `http://${front ?? '10.0.0.2'}/`;
  });
  const loadSelect = upper.querySelector<HTMLSelectElement>('.load')!;
  loadSelect.addEventListener('change', async () => say(await load.set(Number(loadSelect.value))));
  leaving.addEventListener('abort', () => load.stop(), { once: true });

  // Chaos: the scripted fault sequence, narrated step by step; pressing again stops what is left of it.
  const chaosButton = upper.querySelector<HTMLButtonElement>('.chaos')!;
  let chaosTimers: ReturnType<typeof setTimeout>[] = [];
  const toggleChaos = () => {
    if (chaosTimers.length) {
      chaosTimers.forEach(clearTimeout);
      chaosTimers = [];
      chaosButton.setAttribute('aria-pressed', 'false');
      return say('Chaos stopped; what it broke stays broken until you repair it.');
    }
    const script = chaosScript(live.nodes);
    chaosButton.setAttribute('aria-pressed', 'true');
    chaosTimers = script.map((step, i) =>
      setTimeout(async () => {
        say(`Chaos ${i + 1}/${script.length}: ${step.says}`);
        const reply = await run(step.command);
        if (!reply.ok) say(`Chaos ${i + 1}/${script.length}: ${reply.error}`);
        if (i === script.length - 1) {
          chaosTimers = [];
          chaosButton.setAttribute('aria-pressed', 'false');
        }
      }, step.at_ms),
    );
  };
  chaosButton.addEventListener('click', toggleChaos);

  // Presenter mode and the keyboard shortcuts live on the panel's root; nothing else needs to reach them.
  new Instructor(root, upper, {
    chaos: toggleChaos,
    live: () => timeline.live(),
    step: (by) => timeline.step(by),
    node: (i) => topology.nodeElement(live.nodes[i]?.name ?? '')?.focus(),
    act: async (cmd, name) => {
      const reply = await run({ cmd, node: name } as Command);
      say(reply.ok ? reply.message : `Could not do that: ${reply.error}`);
    },
  });

  // Drawing: at most once a frame, however fast events arrive (a burst of requests becomes one aggregated frame).
  const reducedMotion = matchMedia('(prefers-reduced-motion: reduce)');
  let frame = 0;
  let saved = '';
  const draw = () => {
    frame = 0;
    topology.render(shown ?? live, !shown && !reducedMotion.matches && document.visibilityState === 'visible');
    if (!live.scenario) return;
    // Goals change rarely: storage and the sidebar are touched only when one does.
    const goals = live.scenario.name + live.goals.map((g) => `${g.id}:${g.met}:${g.observed}`).join();
    if (goals === saved) return;
    saved = goals;
    const progress = recordProgress(localStorage, live.scenario.name, location.pathname, live.goals);
    exercises.update(live, progress[live.scenario.name]?.done ?? []);
    markSidebar();
  };
  const schedule = () => {
    frame ||= requestAnimationFrame(draw);
  };
  const chartTimer = setInterval(() => charts.update(shown ?? live), 1000);
  leaving.addEventListener('abort', () => {
    clearInterval(chartTimer);
    chaosTimers.forEach(clearTimeout);
  }, { once: true });

  let caughtUp = false;
  link.subscribe((event: SandboxEvent) => {
    live = reduce(live, event);
    const line = describe(event);
    if (line) log.add(line, caughtUp);
    timeline.grew(link.events.length);
    if (!shown) schedule();
  });
  caughtUp = true;
  markSidebar();
  exercises.update(live, live.scenario ? (loadProgress(localStorage)[live.scenario.name]?.done ?? []) : []);
  root.dataset.views = 'ready';
}
