// The lessons and the scenarios they embed: every scenario a lesson names exists, is registered, and each of its
// checked goals is something the lesson's own text tells the learner to do (one of the goal's solution commands
// appears in the lesson, word for word), except the goals a lesson states as goals, not recipes (issue #14, item 2):
// their commands live only in the panel's hints and solution, so none of the commands only they use may appear (and
// in the scenarios written wholly as goals, none printed as code). And
// every prediction a scenario asks is one its lesson asks for after the sandbox, before the action it is about.
import { describe, expect, it } from 'vitest';
import type { Scenario } from '../../sandboxes/scenarios/scenario';
import { COURSE } from './course';
import { loadLessons } from './lessons';

const lessons = loadLessons();
// Whitespace-insensitive, and `load`'s default target written or not (load -r 10 = load http://10.0.0.2/ -r 10).
const squash = (text: string) => text.replace(/\s+/g, ' ').replaceAll('load http://10.0.0.2/ ', 'load ');

/** Goals the lesson states as a goal and a success criterion, without the commands: scenario/goal. */
const GOALS_NOT_RECIPES = new Set<string>([]);

/** Scenarios whose exercises are all goals: their lesson must not print a solution's commands as code. */
const GOAL_SCENARIOS = ['scale-out', 'backup-server', 'replication', 'commit-hangs', 'failover', 'split-brain', 'read-your-writes', 'one-server', 'server-dies', 'forgotten-server', 'weighted-servers', 'uneven-servers', 'firewall-tls', 'tls', 'monitoring', 'silent-failure', 'spof', 'active-passive', 'active-active'];

const commandsOf = (goal: Scenario['goals'][number]) => goal.solution.filter((line) => !/^\s*#/.test(line)).map((line) => squash(line.trim()));

describe('the scenarios the lessons embed', () => {
  it('every scenario of the course is registered for the supervisor and the page', async () => {
    const { scenarios } = (await import('../../sandboxes/scenarios/index')) as { scenarios: Record<string, Scenario> };
    const named = COURSE.flatMap((o) => o.scenarios);
    expect(named.filter((name) => !scenarios[name]), 'scenarios missing from sandboxes/scenarios/index.ts').toEqual([]);
  });

  const told = COURSE.flatMap((o) => o.scenarios.filter((s) => !GOAL_SCENARIOS.includes(s)).map((s) => [o.slug, s] as const));
  it.each(told)('%s: the lesson tells the learner how to meet every goal of %s', async (slug, name) => {
    const scenario = (await import(`../../sandboxes/scenarios/${name}.ts`)).default as Scenario;
    expect(scenario.name).toBe(name);
    expect(scenario.goals.length).toBeGreaterThanOrEqual(2);
    const lesson = lessons.find((l) => l.slug === slug);
    expect(lesson, `content/lessons/${slug}.mdx`).toBeDefined();
    const text = squash(lesson!.source);
    const [goals, recipes] = [scenario.goals.filter((g) => GOALS_NOT_RECIPES.has(`${name}/${g.id}`)), scenario.goals.filter((g) => !GOALS_NOT_RECIPES.has(`${name}/${g.id}`))];
    const untold = recipes.filter((goal) => !commandsOf(goal).some((command) => text.includes(command)));
    expect(
      untold.map((g) => `${g.id}: none of ${JSON.stringify(g.solution)}`),
      `${lesson!.file} never shows a solution command of these goals of ${name}`,
    ).toEqual([]);
    // A command another goal also uses (infra kill db-01; infra start db-01, there scheduled with --in) may be shown
    // for that goal.
    const action = (command: string) => command.replace(/ --in \S+/, '');
    const told = goals.flatMap((goal) => {
      const shared = new Set(scenario.goals.filter((g) => g !== goal).flatMap((g) => commandsOf(g).map(action)));
      return commandsOf(goal).filter((command) => !shared.has(action(command)) && text.includes(command)).map((command) => `${goal.id}: ${command}`);
    });
    expect(told, `${lesson!.file} gives away the solution of goals it states as goals`).toEqual([]);
  });

  it.each(COURSE.flatMap((o) => o.scenarios.map((s) => [o.slug, s] as const)))('%s: the lesson asks, after its sandbox, for each prediction of %s', async (slug, name) => {
    const scenario = (await import(`../../sandboxes/scenarios/${name}.ts`)).default as Scenario;
    const lesson = lessons.find((l) => l.slug === slug)!;
    const after = lesson.source.split(`<Sandbox scenario="${name}" />`)[1] ?? '';
    const asked = after.match(/\bPredict\b[^.]*Exercises tab/gi) ?? [];
    const predictions = (scenario.predictions ?? []).map((p) => p.id);
    expect(asked.length, `${lesson.file}: one "Predict ... in the Exercises tab" after <Sandbox scenario="${name}" /> for each of ${predictions.join(', ')}`).toBeGreaterThanOrEqual(predictions.length);
  });

  const goalScenarios = COURSE.flatMap((o) => o.scenarios.filter((s) => GOAL_SCENARIOS.includes(s)).map((s) => [o.slug, s] as const));
  it.each(goalScenarios)('%s: the lesson states the goals of %s and leaves their commands to the hints and the solution', async (slug, name) => {
    const scenario = (await import(`../../sandboxes/scenarios/${name}.ts`)).default as Scenario;
    const text = squash(lessons.find((l) => l.slug === slug)!.source);
    // A command printed as code, whole (`reload lb-02` elsewhere in the lesson is not this goal's `reload`).
    const told = scenario.goals.flatMap((goal) => commandsOf(goal).filter((command) => text.includes(`\`${command}\``)).map((command) => `${goal.id}: ${command}`));
    expect(told, `the lesson prints these solution commands of ${name}`).toEqual([]);
  });
});
