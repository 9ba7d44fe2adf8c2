import { describe, expect, it } from 'vitest';
import { codeSpans, grade, validateQuiz, type QuizQuestion } from '../../src/components/quiz';
import { TEMPLATE_LESSONS } from './course';
import { evaluateQuiz, loadLessons } from './lessons';

const lessons = loadLessons();

describe('quizzes in the lessons', () => {
  it.each(TEMPLATE_LESSONS.map((o) => [o.slug] as const))('%s ends with one quiz of 2 to 4 answerable questions', (slug) => {
    const lesson = lessons.find((l) => l.slug === slug);
    expect(lesson, `content/lessons/${slug}.mdx is missing`).toBeDefined();
    expect(lesson!.quizzes).toHaveLength(1);
    const questions = evaluateQuiz(lesson!.quizzes[0].expression);
    validateQuiz(questions, `${lesson!.file}:${lesson!.quizzes[0].line}`);
    expect(questions.length).toBeGreaterThanOrEqual(2);
    expect(questions.length).toBeLessThanOrEqual(4);
    for (const q of questions) {
      // An explanation says why, not only which: at least a full sentence.
      expect(q.explain.length, `${slug}: explanation of "${q.q}"`).toBeGreaterThan(60);
    }
  });

  it('the right answer is not always in the same position (no position holds more than half of them)', () => {
    const positions = lessons.flatMap((l) => l.quizzes.flatMap((quiz) => (evaluateQuiz(quiz.expression) as QuizQuestion[]).map((q) => q.answer)));
    expect(positions.length).toBeGreaterThanOrEqual(20);
    const counts = new Map<number, number>();
    for (const p of positions) counts.set(p, (counts.get(p) ?? 0) + 1);
    expect(Math.max(...counts.values())).toBeLessThanOrEqual(positions.length / 2);
  });
});

describe('the quiz logic', () => {
  const good: QuizQuestion = { q: 'Which?', options: ['a', 'b'], answer: 1, explain: 'Because b.' };

  it('a well-formed quiz passes validation', () => {
    expect(() => validateQuiz([good], 'test')).not.toThrow();
  });

  it('a quiz whose answer is not one of its options is refused with the lesson and question named', () => {
    expect(() => validateQuiz([good, { ...good, answer: 2 }], 'content/lessons/x.mdx')).toThrow(
      'Quiz in content/lessons/x.mdx: question 2 has answer 2, which is not the index of one of its 2 options',
    );
  });

  it('a question without an explanation or with a single option is refused', () => {
    expect(() => validateQuiz([{ ...good, explain: ' ' }], 'x')).toThrow(/question 1 has no explanation/);
    expect(() => validateQuiz([{ ...good, options: ['only'] }], 'x')).toThrow(/question 1 needs at least two non-empty options/);
    expect(() => validateQuiz([], 'x')).toThrow(/non-empty list/);
  });

  it('grading tells the learner in words: correct, incorrect, or nothing picked yet', () => {
    expect(grade(1, 1)).toEqual({ verdict: 'correct', message: 'Correct. The explanation is below.' });
    expect(grade(1, 0).verdict).toBe('incorrect');
    expect(grade(1, 0).message).toMatch(/^Not quite/);
    expect(grade(1, undefined)).toEqual({ verdict: 'unanswered', message: 'Pick one of the options first.' });
  });

  it('backticks in quiz text become code spans', () => {
    expect(codeSpans('set `weight 3` on `web-02`')).toEqual([
      { code: false, text: 'set ' },
      { code: true, text: 'weight 3' },
      { code: false, text: ' on ' },
      { code: true, text: 'web-02' },
    ]);
  });
});
