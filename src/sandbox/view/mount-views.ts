// The sandbox's views, mounted into the panel (src/components/Sandbox.astro, src/sandbox/start-panel.ts) once the
// scenario starts: topology with node menus, load and chaos controls, exercises, timeline, charts and event log.
// All of it is derived from the supervisor's event stream through one reducer (state.ts); the views only draw.
import type { SandboxEvent } from '../../../sandboxes/contracts/events/index';
import type { Command, Reply } from '../../../sandboxes/contracts/commands';
import type { Runtime, SandboxProcess } from '../../runtime/types';
import { chaosScript, repairsLeft, type ChaosStep } from './chaos';
import { Charts } from './charts';
import { EventLog } from './event-log';
import { ExercisePanel } from './exercises';
import { Instructor } from './instructor';
import { linkToSandbox, type SandboxHandle } from './link';
import { LoadControl } from './load-control';
import { nodeActions } from './node-actions';
import { NodeMenu } from './node-menu';
import { loadProgress, recordProgress, type PageSandbox } from './progress';
import { Replay } from './replay';
import { describe } from './sentences';
import { markSidebar } from './sidebar';
import { initialState, reduce, type ViewState } from './state';
import { Timeline } from './timeline';
import { TopologyView } from './topology';
import { uniqueId } from './ids';
import { Tabs } from './tabs';
import { yieldToPage } from '../yield';
import { throttledRedraw } from '../redraw';
import './panel.css';

const RATES = [0, 2, 5, 10, 20, 50, 100];

/** Every sandbox of this page, with its number of goals, so the page's progress counts all its exercises. */
const sandboxesOnPage = (): PageSandbox[] =>
  [...document.querySelectorAll<HTMLElement>('[data-sandbox][data-scenario][data-goals]')].map((section) => ({
    scenario: section.dataset.scenario!,
    total: Number(section.dataset.goals),
  }));

/** `leaving` aborts when the panel leaves the page: the views' timers stop (the panel stops the processes). */
export async function mountViews(
  root: HTMLElement,
  sandbox: SandboxHandle & { runtime: Runtime; loadShell?: Promise<SandboxProcess> },
  leaving: AbortSignal,
): Promise<void> {
  const link = linkToSandbox(root, sandbox);
  const lab = root.querySelector<HTMLElement>('.lab')!;
  const controls = document.createElement('div');
  controls.className = 'lab-toolbar';
  const [loadHelp, shortcuts] = [uniqueId('load-help'), uniqueId('shortcuts')];
  controls.innerHTML = `
    <div class="views-toolbar" role="toolbar" aria-label="Sandbox controls">
      <label>Load <select class="load" aria-describedby="${loadHelp}">${RATES.map((r) => `<option value="${r}">${r ? `${r} requests/s` : 'off'}</option>`).join('')}</select></label>
      <span id="${loadHelp}" class="sr-only">Requests per second sent to the front door by the sandbox's load command</span>
      <button type="button" class="chaos" aria-pressed="false">Chaos</button>
      <button type="button" class="presenter" aria-pressed="false">Presenter mode</button>
      <button type="button" class="shortcuts" aria-expanded="false" aria-controls="${shortcuts}">Keyboard shortcuts</button>
    </div>
    <div id="${shortcuts}" class="shortcut-help" hidden></div>
    <p class="views-status" role="status"></p>`;
  const topoBox = document.createElement('figure');
  topoBox.className = 'topology-box';
  topoBox.innerHTML =
    '<figcaption class="sr-only">Topology: click a node, or focus it and press Enter, for its actions</figcaption>';
  // Exercises, timeline, charts and event log share one strip of tabs beside (or under) the terminal.
  const tabs = new Tabs('Sandbox views');
  lab.prepend(controls, topoBox);
  lab.append(tabs.element);
  const [exercisesTab, timelineTab, chartsTab, logTab] = [
    ['Exercises', 'exercises'],
    ['Timeline', 'timeline'],
    ['Charts', 'charts'],
    ['Event log', 'log'],
  ].map(([name, key]) => tabs.add(name, key, key === 'charts' ? () => charts.shown() : undefined));

  const status = controls.querySelector<HTMLElement>('.views-status')!;
  const say = (text: string) => (status.textContent = text);
  const run = async (command: Command): Promise<Reply> => link.send(command);

  let live: ViewState = initialState();
  let shown: ViewState | undefined; // a replayed moment, or undefined when following the stream
  const replay = new Replay(link.events);
  const menu = new NodeMenu(root, run, say);
  const topology = new TopologyView(topoBox, {
    openMenu: (name, anchor) => menu.open(name, anchor, nodeActions(live, name)),
  });
  const exercises = new ExercisePanel(
    exercisesTab,
    async () => {
      const reply = await run({ cmd: 'reset' });
      return reply.ok
        ? 'The lab is back as it started; your saved progress and predictions are kept.'
        : `Could not reset: ${reply.error}`;
    },
    localStorage,
  );
  const timeline = new Timeline(timelineTab, {
    show(count) {
      shown = count === undefined ? undefined : replay.stateAfter(count);
      log.showUntil(count === undefined ? Infinity : (link.events[count - 1]?.seq ?? 0));
      draw();
      charts.update(shown ?? live);
    },
    timeOf: (count) => link.events[count - 1]?.time ?? 0,
  });
  const charts = new Charts(chartsTab);
  const log = new EventLog(logTab);

  // Load: the shell's `load` command aimed at the front door (the VIP, else the balancer, else the web server). The
  // views mount as the supervisor is spawned, before it has told which nodes the scenario has: a load chosen at once
  // (on a lesson just navigated to) waits for its `ready`, when every node is up and the VIPs have been announced.
  // The shell's `load` itself would wait that long for the sandbox anyway.
  let everyNodeUp!: () => void;
  const up = new Promise<void>((resolve) => (everyNodeUp = resolve));
  const load = new LoadControl(
    sandbox.runtime,
    async () => {
      await up;
      const front =
        live.vips[0]?.address ??
        live.nodes.find((n) => n.role === 'balancer')?.address ??
        live.nodes.find((n) => n.role === 'web')?.address;
      return front && `http://${front}/`;
    },
    sandbox.loadShell,
  );
  const loadSelect = controls.querySelector<HTMLSelectElement>('.load')!;
  loadSelect.addEventListener('change', async () => say(await load.set(Number(loadSelect.value))));
  leaving.addEventListener('abort', () => load.stop(), { once: true });

  // Chaos: the scripted fault sequence, narrated step by step. Pressing it again stops the sequence and repairs what
  // it had broken and not yet repaired (a learner stopping it expects the lab back, not nodes left dead): the rest
  // of the script's own repairs, run at once and narrated the same way.
  const chaosButton = controls.querySelector<HTMLButtonElement>('.chaos')!;
  let chaosTimers: ReturnType<typeof setTimeout>[] = [];
  let chaos: { script: ChaosStep[]; ran: number } | undefined;
  const runStep = async (step: ChaosStep, says: string): Promise<Reply> => {
    say(says);
    const reply = await run(step.command);
    if (!reply.ok) say(`${says} ${reply.error}`);
    return reply;
  };
  const endChaos = () => {
    chaosTimers.forEach(clearTimeout);
    chaosTimers = [];
    chaos = undefined;
    chaosButton.setAttribute('aria-pressed', 'false');
  };
  const toggleChaos = async () => {
    if (chaos) {
      const due = repairsLeft(chaos.script, chaos.ran);
      endChaos();
      if (!due.length) return say('Chaos stopped; it had nothing left broken.');
      const told: string[] = [];
      let repaired = 0;
      for (const step of due) {
        const reply = await runStep(step, `Chaos stopped; repairing what it broke: ${step.says}`);
        repaired += reply.ok ? 1 : 0;
        told.push(reply.ok ? step.says : `${step.says} (not done: ${reply.error})`);
      }
      return say(`Chaos stopped and repaired what it broke (${repaired} of ${due.length}): ${told.join(' ')}`);
    }
    const script = chaosScript(live.nodes);
    const running = (chaos = { script, ran: 0 });
    chaosButton.setAttribute('aria-pressed', 'true');
    chaosTimers = script.map((step, i) =>
      setTimeout(async () => {
        running.ran = i + 1;
        await runStep(step, `Chaos ${i + 1}/${script.length}: ${step.says}`);
        if (i === script.length - 1 && chaos === running) endChaos();
      }, step.at_ms),
    );
  };
  chaosButton.addEventListener('click', () => void toggleChaos());

  // Presenter mode and the keyboard shortcuts live on the panel's root; nothing else needs to reach them.
  new Instructor(root, controls, {
    chaos: () => void toggleChaos(),
    live: () => timeline.live(),
    step: (by) => timeline.step(by),
    node: (i) => topology.nodeElement(live.nodes[i]?.name ?? '')?.focus(),
    // A key does what the node's menu item does, with the same narration and the supervisor's reply.
    act: (cmd, name) => {
      const action = nodeActions(live, name).find((a) => a.command.cmd === cmd);
      if (action) void menu.perform(action);
      else
        say(
          `${name} is ${live.nodes.find((n) => n.name === name)?.process ?? 'not known'}: its menu has no ${cmd} now.`,
        );
    },
    say,
  });

  // Drawing: a few times a second at most, however fast events arrive (a burst of requests becomes one aggregated
  // draw), see redraw.ts.
  const reducedMotion = matchMedia('(prefers-reduced-motion: reduce)');
  const onPage = sandboxesOnPage(); // written at build time: read once
  let saved = '';
  const draw = () => {
    topology.render(shown ?? live, !shown && !reducedMotion.matches && document.visibilityState === 'visible');
    if (!live.scenario) return;
    // Goals change rarely: storage and the sidebar are touched only when one does.
    const goals =
      live.scenario.name +
      live.goals.map((g) => `${g.id}:${g.met}:${g.observed}`).join() +
      live.predictions.map((p) => `${p.id}:${p.measured?.value}:${p.measured?.how}`).join();
    if (goals === saved) return;
    saved = goals;
    const progress = recordProgress(localStorage, live.scenario.name, location.pathname, live.goals, onPage);
    exercises.update(live, progress[live.scenario.name]?.done ?? []);
    markSidebar();
  };
  const schedule = throttledRedraw(draw);
  const grow = throttledRedraw(() => timeline.grew(link.events.length));
  const chartTimer = setInterval(() => charts.update(shown ?? live), 1000);
  leaving.addEventListener(
    'abort',
    () => {
      clearInterval(chartTimer);
      endChaos();
    },
    { once: true },
  );

  let caughtUp = false;
  link.subscribe((event: SandboxEvent) => {
    // A goal's text is republished as it changes (at most once a second); the log tells only when it turns met or unmet.
    const retold =
      event.type === 'goal' &&
      live.goals.some((g) => g.id === event.id && g.observed !== undefined && g.met === event.met);
    live = reduce(live, event);
    if (event.type === 'ready') everyNodeUp();
    const line = retold ? undefined : describe(event);
    if (line) log.add(line, caughtUp);
    grow();
    if (!shown) schedule();
  });
  caughtUp = true;
  // The topology is drawn in the next frame (the catch-up scheduled it); the exercises are built in a task of their
  // own, so that neither makes one long task with the other or with this one.
  await yieldToPage();
  if (leaving.aborted) return;
  markSidebar();
  exercises.update(live, live.scenario ? (loadProgress(localStorage)[live.scenario.name]?.done ?? []) : []);
  root.dataset.views = 'ready';
}
