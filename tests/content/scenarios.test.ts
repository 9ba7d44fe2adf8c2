// The lessons and the scenarios they embed (that each one is registered is the build's own check:
// lesson-check.test.ts). Every goal is stated as a goal, not a recipe (issue #14, item 2): the lesson says what to
// achieve and how it is judged, and the commands live only in the panel's hints and solution, so no solution command
// is printed in the lesson as code; and every prediction a scenario asks is one its lesson asks for after the
// sandbox, before the action it is about.
import { describe, expect, it } from 'vitest';
import type { Scenario } from '../../sandboxes/contracts/scenario';
import { COURSE } from './course';
import { loadLessons } from './lessons';

const lessons = loadLessons();
// Whitespace-insensitive, and `load`'s default target written or not (load -r 10 = load http://10.0.0.2/ -r 10).
const squash = (text: string) => text.replace(/\s+/g, ' ').replaceAll('load http://10.0.0.2/ ', 'load ');

const commandsOf = (goal: Scenario['goals'][number]) =>
  goal.solution.filter((line) => !/^\s*#/.test(line)).map((line) => squash(line.trim()));

describe('the scenarios the lessons embed', () => {
  it.each(COURSE.flatMap((o) => o.scenarios.map((s) => [o.slug, s] as const)))(
    '%s: the lesson asks, after its sandbox, for each prediction of %s',
    async (slug, name) => {
      const scenario = (await import(`../../sandboxes/scenarios/${name}.ts`)).default as Scenario;
      const lesson = lessons.find((l) => l.slug === slug)!;
      const after = lesson.source.split(`<Sandbox scenario="${name}" />`)[1] ?? '';
      const asked = after.match(/\bPredict\b[^.]*Exercises tab/gi) ?? [];
      const predictions = (scenario.predictions ?? []).map((p) => p.id);
      expect(
        asked.length,
        `${lesson.file}: one "Predict ... in the Exercises tab" after <Sandbox scenario="${name}" /> for each of ${predictions.join(', ')}`,
      ).toBeGreaterThanOrEqual(predictions.length);
    },
  );

  const embedded = COURSE.flatMap((o) => o.scenarios.map((s) => [o.slug, s] as const));
  it.each(embedded)(
    '%s: the lesson states the goals of %s and leaves their commands to the hints and the solution',
    async (slug, name) => {
      const scenario = (await import(`../../sandboxes/scenarios/${name}.ts`)).default as Scenario;
      const lesson = lessons.find((l) => l.slug === slug)!;
      const text = squash(lesson.source);
      // A line of a code block, with or without a prompt before it.
      const blockLines = new Set(
        lesson.blocks.flatMap((b) =>
          b.body.split('\n').map((line) => squash(line.replace(/^\s*(\$|learner@laptop:~\$)\s*/, '').trim())),
        ),
      );
      // A command printed as code, whole (`reload lb-02` elsewhere in the lesson is not this goal's `reload`).
      const printed = (command: string) => text.includes(`\`${command}\``) || blockLines.has(command);
      const told = scenario.goals.flatMap((goal) =>
        commandsOf(goal)
          .filter(printed)
          .map((command) => `${goal.id}: ${command}`),
      );
      expect(told, `the lesson prints these solution commands of ${name}`).toEqual([]);
    },
  );
});
