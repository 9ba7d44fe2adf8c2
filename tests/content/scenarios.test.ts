// The lessons and the scenarios they embed: every scenario a lesson names exists, is registered, and each of its
// checked goals is something the lesson's own text tells the learner to do (one of the goal's solution commands
// appears in the lesson, word for word), except in the exercises already written as goals, not recipes (issue 14):
// there the prose states the goal and how it is judged, and the commands live only in the hints and the solution.
import { describe, expect, it } from 'vitest';
import type { Scenario } from '../../sandboxes/scenarios/scenario';
import { COURSE } from './course';
import { loadLessons } from './lessons';

const lessons = loadLessons();
// Whitespace-insensitive, and `load`'s default target written or not (load -r 10 = load http://10.0.0.2/ -r 10).
const squash = (text: string) => text.replace(/\s+/g, ' ').replaceAll('load http://10.0.0.2/ ', 'load ');

/** Scenarios whose exercises are goals: their lesson must not print a solution's commands. */
const GOALS_NOT_RECIPES = ['scale-out', 'backup-server'];

/** A solution's commands, without its comment lines (an edit's instructions, a wait). */
const commandsOf = (solution: string[]) => solution.filter((line) => !/^\s*#/.test(line)).map((line) => squash(line.trim()));

describe('the scenarios the lessons embed', () => {
  it('every scenario of the course is registered for the supervisor and the page', async () => {
    const { scenarios } = (await import('../../sandboxes/scenarios/index')) as { scenarios: Record<string, Scenario> };
    const named = COURSE.flatMap((o) => o.scenarios);
    expect(named.filter((name) => !scenarios[name]), 'scenarios missing from sandboxes/scenarios/index.ts').toEqual([]);
  });

  const recipes = COURSE.flatMap((o) => o.scenarios.filter((s) => !GOALS_NOT_RECIPES.includes(s)).map((s) => [o.slug, s] as const));
  it.each(recipes)('%s: the lesson tells the learner how to meet every goal of %s', async (slug, name) => {
    const scenario = (await import(`../../sandboxes/scenarios/${name}.ts`)).default as Scenario;
    expect(scenario.name).toBe(name);
    expect(scenario.goals.length).toBeGreaterThanOrEqual(2);
    const lesson = lessons.find((l) => l.slug === slug);
    expect(lesson, `content/lessons/${slug}.mdx`).toBeDefined();
    const text = squash(lesson!.source);
    const untold = scenario.goals.filter((goal) => !commandsOf(goal.solution).some((command) => text.includes(command)));
    expect(
      untold.map((g) => `${g.id}: none of ${JSON.stringify(g.solution)}`),
      `${lesson!.file} never shows a solution command of these goals of ${name}`,
    ).toEqual([]);
  });

  const goals = COURSE.flatMap((o) => o.scenarios.filter((s) => GOALS_NOT_RECIPES.includes(s)).map((s) => [o.slug, s] as const));
  it.each(goals)('%s: the lesson states the goals of %s and leaves their commands to the hints and the solution', async (slug, name) => {
    const scenario = (await import(`../../sandboxes/scenarios/${name}.ts`)).default as Scenario;
    const text = squash(lessons.find((l) => l.slug === slug)!.source);
    // A command printed as code, whole (`reload lb-02` elsewhere in the lesson is not this goal's `reload`).
    const told = scenario.goals.flatMap((goal) => commandsOf(goal.solution).filter((command) => text.includes(`\`${command}\``)).map((command) => `${goal.id}: ${command}`));
    expect(told, `the lesson prints these solution commands of ${name}`).toEqual([]);
  });
});
