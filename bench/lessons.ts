// The lessons' figures for a closing note or a review (issue #14): per lesson, the words a learner reads before the
// first sandbox, the checked goals, challenges and predictions of the scenarios it embeds, its quizzes; then where
// the right answer of every quiz question ranks by length (1 = the longest option). Prints figures; asserts nothing.
// Run: npm run figures:lessons
import { lengthRank, type QuizQuestion } from '../src/components/quiz';
import type { Scenario } from '../sandboxes/contracts/scenario';
import { scenarios } from '../sandboxes/scenarios/index';
import { COURSE } from '../tests/content/course';
import { evaluateQuiz, loadLessons, wordsBeforeFirstSandbox } from '../tests/content/lessons';

const lessons = loadLessons();
const rows = COURSE.map((outline) => {
  const lesson = lessons.find((l) => l.slug === outline.slug)!;
  const embedded: Scenario[] = outline.scenarios.map((name) => scenarios[name]);
  const goals = embedded.flatMap((s) => s.goals);
  const questions = lesson.quizzes.flatMap((q) => evaluateQuiz(q.expression) as QuizQuestion[]);
  return {
    lesson: outline.slug,
    'words before sandbox': wordsBeforeFirstSandbox(lesson.source),
    words: lesson.source
      .replace(/^---\n[\s\S]*?\n---\n/, '')
      .split(/\s+/)
      .filter(Boolean).length,
    goals: goals.length,
    challenges: goals.filter((g) => g.challenge).length,
    predictions: embedded.reduce((n, s) => n + (s.predictions?.length ?? 0), 0),
    quizzes: lesson.quizzes.length,
    questions: questions.length,
  };
});
console.table(rows);

const ranks = new Map<number, number>();
const all = lessons.flatMap((l) => l.quizzes.flatMap((q) => evaluateQuiz(q.expression) as QuizQuestion[]));
for (const question of all) ranks.set(lengthRank(question), (ranks.get(lengthRank(question)) ?? 0) + 1);
const chance = all.reduce((sum, q) => sum + 1 / q.options.length, 0);
console.log(
  `Right answer's length rank over ${all.length} questions (1 = longest): ` +
    [...ranks]
      .sort(([a], [b]) => a - b)
      .map(([rank, n]) => `rank ${rank}: ${n}`)
      .join(', ') +
    `; the longest in ${ranks.get(1) ?? 0} (${Math.round((100 * (ranks.get(1) ?? 0)) / all.length)} %), chance ${Math.round((100 * chance) / all.length)} %`,
);
