// The exercise goals, checked against the current run's history after events arrive. A `goal` event goes out
// whenever a goal turns met or unmet (and once for every goal at the start of a run), and whenever what it says was
// observed changes, so the exercise panel always shows what the check sees now. The scenario's predictions are
// measured at the same moments: a `prediction` event goes out when a measured value becomes known or changes.
import type { Measured, Scenario, World } from '../contracts/scenario';
import type { GoalStatus } from '../contracts/commands';
import type { EventStream } from './stream';

/** Checks run at most this often: a burst of request events costs one evaluation. */
const EVERY_MS = 200;
/** And at least this often, for checks that wait for time to pass (an aftermath) rather than for an event. */
const IDLE_MS = 1000;
/**
 * A goal whose verdict stands but whose text changed is announced at most this often: under load a count changes at
 * every evaluation, and the panel needs the latest count, not each one. The latest text goes out at the first
 * evaluation after the second has passed (at most IDLE_MS later, once events stop).
 */
const TEXT_EVERY_MS = 1000;

export class Goals {
  /** What was last announced for each goal, and when (on the stream's clock). */
  private announced = new Map<string, { verdict: GoalStatus; at: number }>();
  /** What was last published for each prediction, and when. */
  private measured = new Map<string, { value: Measured; at: number }>();
  private timer?: NodeJS.Timeout;
  private readonly ticker = setInterval(() => (this.timer ??= setTimeout(() => this.evaluate(), 0)), IDLE_MS);

  constructor(
    private readonly scenario: Scenario,
    private readonly world: () => World,
    private readonly stream: EventStream,
  ) {
    stream.subscribe((event) => {
      if (event.type !== 'goal' && event.type !== 'prediction')
        this.timer ??= setTimeout(() => this.evaluate(), EVERY_MS);
    });
  }

  /** Every goal's verdict now. */
  verdicts(): GoalStatus[] {
    const world = this.world();
    return this.scenario.goals.map((goal) => {
      try {
        return { id: goal.id, title: goal.title, ...goal.check(world) };
      } catch (error) {
        // A bug in a check must not take the sandbox down; the learner sees it in the goal's text.
        return {
          id: goal.id,
          title: goal.title,
          met: false,
          expected: 'a working check',
          observed: `the check failed: ${(error as Error).message}`,
        };
      }
    });
  }

  /** Forgets what was announced: the next evaluation announces every goal again (a new run). */
  restart(): void {
    this.announced.clear();
    this.measured.clear();
    this.evaluate();
  }

  stop(): void {
    clearInterval(this.ticker);
    clearTimeout(this.timer);
  }

  private evaluate(): void {
    this.timer = undefined;
    const now = this.stream.now();
    for (const verdict of this.verdicts()) {
      const last = this.announced.get(verdict.id);
      if (last && last.verdict.met === verdict.met) {
        if (last.verdict.observed === verdict.observed && last.verdict.expected === verdict.expected) continue;
        if (now - last.at < TEXT_EVERY_MS) continue;
      }
      this.announced.set(verdict.id, { verdict, at: now });
      this.stream.publish('supervisor', { type: 'goal', ...verdict });
    }
    const world = this.world();
    for (const prediction of this.scenario.predictions ?? []) {
      let value: Measured | undefined;
      try {
        value = prediction.measure(world);
      } catch {
        continue; // a bug in a measure shows as nothing measured, never as a crashed sandbox
      }
      if (!value) continue;
      const last = this.measured.get(prediction.id);
      if (last && ((last.value.value === value.value && last.value.how === value.how) || now - last.at < TEXT_EVERY_MS))
        continue;
      this.measured.set(prediction.id, { value, at: now });
      this.stream.publish('supervisor', { type: 'prediction', id: prediction.id, value: value.value, how: value.how });
    }
  }
}
