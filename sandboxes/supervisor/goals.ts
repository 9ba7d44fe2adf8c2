// The exercise goals, checked against the current run's history after events arrive. A `goal` event goes out
// whenever a goal turns met or unmet (and once for every goal at the start of a run), saying what the goal
// expects and what was observed.
import type { Scenario, World } from '../scenarios/scenario';
import type { GoalStatus } from './commands';
import type { EventStream } from './stream';

/** Checks run at most this often: a burst of request events costs one evaluation. */
const EVERY_MS = 200;
/** And at least this often, for checks that wait for time to pass (an aftermath) rather than for an event. */
const IDLE_MS = 1000;

export class Goals {
  private met = new Map<string, boolean>();
  private timer?: NodeJS.Timeout;
  private readonly ticker = setInterval(() => (this.timer ??= setTimeout(() => this.evaluate(), 0)), IDLE_MS);

  constructor(
    private readonly scenario: Scenario,
    private readonly world: () => World,
    private readonly stream: EventStream,
  ) {
    stream.subscribe((event) => {
      if (event.type !== 'goal') this.timer ??= setTimeout(() => this.evaluate(), EVERY_MS);
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
        return { id: goal.id, title: goal.title, met: false, expected: 'a working check', observed: `the check failed: ${(error as Error).message}` };
      }
    });
  }

  /** Forgets what was announced: the next evaluation announces every goal again (a new run). */
  restart(): void {
    this.met.clear();
    this.evaluate();
  }

  stop(): void {
    clearInterval(this.ticker);
    clearTimeout(this.timer);
  }

  private evaluate(): void {
    this.timer = undefined;
    for (const verdict of this.verdicts()) {
      if (this.met.get(verdict.id) === verdict.met) continue;
      this.met.set(verdict.id, verdict.met);
      this.stream.publish('supervisor', { type: 'goal', ...verdict });
    }
  }
}
