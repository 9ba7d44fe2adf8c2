// The exercise panel: the scenario's goals with their live status (from the supervisor's goal events), what each
// check expects and what it observes, hints one at a time, the solution behind a confirmation, and "reset lab".
// A goal met once stays done in this browser (progress.ts), after a reload or a reset too. A goal's predictions are
// asked at its top, before its action (prediction.ts); predictions that belong to no goal, above the goals.
import type { ViewGoal, ViewState } from './state';
import { setInlineText } from './inline-text';
import { PredictionView } from './prediction';
import { loadPredictions, savePrediction } from './progress';

interface GoalParts {
  item: HTMLLIElement;
  status: HTMLSpanElement;
  check: HTMLDListElement;
  hints: HTMLOListElement;
  hintButton: HTMLButtonElement;
  shownHints: number;
}

export class ExercisePanel {
  private section: HTMLElement;
  private list: HTMLOListElement;
  private summary: HTMLParagraphElement;
  private status: HTMLParagraphElement;
  private parts = new Map<string, GoalParts>();
  private predictions = new Map<string, PredictionView>();
  private general: HTMLDivElement;
  private key = '';

  constructor(
    host: HTMLElement,
    private reset: () => Promise<string>,
    private storage: Pick<Storage, 'getItem' | 'setItem'>,
  ) {
    this.section = document.createElement('section');
    this.section.className = 'exercises';
    this.section.setAttribute('aria-label', 'Exercises'); // named by its tab too; no heading with an id, which Starlight's table of contents would take for its own
    this.section.innerHTML = `<p class="scenario-summary"></p><div class="predictions"></div><ol class="goals"></ol>
      <p class="reset"><button type="button" class="reset-lab">Reset lab</button> <span role="status"></span></p>`;
    this.list = this.section.querySelector('.goals')!;
    this.summary = this.section.querySelector('.scenario-summary')!;
    this.general = this.section.querySelector('.predictions')!;
    this.status = this.section.querySelector('[role=status]')!;
    this.section.querySelector('.reset-lab')!.addEventListener('click', async () => {
      this.status.textContent = 'Resetting the lab: restarting every node and restoring its files…';
      this.status.textContent = await this.reset();
    });
    host.appendChild(this.section);
  }

  update(state: ViewState, doneBefore: readonly string[]): void {
    setInlineText(
      this.summary,
      state.scenario ? `${state.scenario.title}. ${state.scenario.summary}` : 'Waiting for the sandbox to start…',
    );
    const key = [state.scenario?.name, ...state.goals.map((g) => g.id), ...state.predictions.map((p) => p.id)].join(
      ',',
    );
    if (key !== this.key) {
      this.key = key;
      this.list.replaceChildren();
      this.general.replaceChildren();
      this.parts.clear();
      this.predictions.clear();
      for (const goal of state.goals) this.build(goal);
      this.buildPredictions(state);
    }
    for (const goal of state.goals) this.show(goal, doneBefore.includes(goal.id));
    for (const prediction of state.predictions) this.predictions.get(prediction.id)?.update(prediction);
  }

  private buildPredictions(state: ViewState): void {
    const scenario = state.scenario?.name;
    if (!scenario) return;
    const saved = loadPredictions(this.storage, scenario);
    for (const prediction of state.predictions) {
      const view = new PredictionView(prediction, {
        load: () => saved[prediction.id],
        save: (answer) => savePrediction(this.storage, scenario, prediction.id, answer),
      });
      const goal = prediction.goal && this.parts.get(prediction.goal);
      if (goal) goal.item.querySelector('.goal-head')!.after(view.element);
      else this.general.append(view.element);
      this.predictions.set(prediction.id, view);
    }
  }

  private build(goal: ViewGoal): void {
    const item = document.createElement('li');
    item.className = goal.challenge ? 'goal challenge' : 'goal';
    item.dataset.goal = goal.id;
    const badge = goal.challenge ? '<p class="goal-badge">Challenge: find it, fix it</p>' : '';
    item.innerHTML = `${badge}<p class="goal-head"><span class="goal-status"></span> <span class="goal-title"></span></p>
      <dl class="goal-check"></dl>
      <ol class="hints" aria-label="Hints"></ol>
      <p class="goal-actions"><button type="button" class="hint"></button> <button type="button" class="solution">Show the solution</button></p>
      <div class="solution-confirm" hidden><p>This gives the answer away. Try the hints first?</p>
        <button type="button" class="confirm">Yes, show the solution</button> <button type="button" class="cancel">Not yet</button></div>
      <div class="solution-text" hidden><p>Type these in the terminal:</p><pre></pre></div>`;
    setInlineText(item.querySelector('.goal-title')!, goal.title);
    const parts: GoalParts = {
      item,
      status: item.querySelector('.goal-status')!,
      check: item.querySelector('.goal-check')!,
      hints: item.querySelector('.hints')!,
      hintButton: item.querySelector('.hint')!,
      shownHints: 0,
    };
    const confirm = item.querySelector<HTMLElement>('.solution-confirm')!;
    const solution = item.querySelector<HTMLElement>('.solution-text')!;
    const solutionButton = item.querySelector<HTMLButtonElement>('.solution')!;
    solution.querySelector('pre')!.textContent = goal.solution.join('\n');
    parts.hintButton.addEventListener('click', () => {
      const li = document.createElement('li');
      setInlineText(li, goal.hints[parts.shownHints++]);
      parts.hints.appendChild(li);
      this.hintLabel(goal, parts);
      li.tabIndex = -1;
      li.focus();
    });
    solutionButton.addEventListener('click', () => {
      confirm.hidden = false;
      confirm.querySelector<HTMLButtonElement>('.cancel')!.focus();
    });
    confirm.querySelector('.cancel')!.addEventListener('click', () => {
      confirm.hidden = true;
      solutionButton.focus();
    });
    confirm.querySelector('.confirm')!.addEventListener('click', () => {
      confirm.hidden = true;
      solution.hidden = false;
      solutionButton.hidden = true;
      solution.tabIndex = -1;
      solution.focus();
    });
    this.hintLabel(goal, parts);
    this.list.appendChild(item);
    this.parts.set(goal.id, parts);
  }

  private hintLabel(goal: ViewGoal, parts: GoalParts): void {
    const left = goal.hints.length - parts.shownHints;
    parts.hintButton.textContent = left
      ? `Show a hint (${parts.shownHints + 1} of ${goal.hints.length})`
      : 'No more hints';
    parts.hintButton.disabled = left === 0;
  }

  private show(goal: ViewGoal, doneBefore: boolean): void {
    const parts = this.parts.get(goal.id)!;
    const state = goal.met ? 'done' : doneBefore ? 'done-before' : 'open';
    if (parts.item.dataset.state !== state) {
      parts.item.dataset.state = state;
      parts.status.textContent = goal.met ? '✔ Done' : doneBefore ? '✔ Done before (not met right now)' : '○ Not yet';
    }
    const rows = [
      ['Expected', goal.expected],
      ['Observed', goal.observed],
    ].filter((r): r is [string, string] => !!r[1]);
    const text = rows.map((r) => r.join(':')).join('|');
    if (parts.check.dataset.text === text) return;
    parts.check.dataset.text = text;
    parts.check.replaceChildren(
      ...rows.flatMap(([term, value]) => {
        const dt = document.createElement('dt');
        dt.textContent = term;
        const dd = document.createElement('dd');
        setInlineText(dd, value);
        return [dt, dd];
      }),
    );
  }
}
