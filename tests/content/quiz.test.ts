import { describe, expect, it } from 'vitest';
import { codeSpans, grade, lengthRank, validateQuiz, type QuizQuestion } from '../../src/components/quiz';
import { TEMPLATE_LESSONS } from './course';
import { evaluateQuiz, loadLessons, type Lesson } from './lessons';

const lessons = loadLessons();

/** Every quiz of a lesson with its questions and the h2 section it sits in. */
function quizzesOf(lesson: Lesson): { line: number; section: string; questions: QuizQuestion[] }[] {
  return lesson.quizzes.map((quiz) => {
    const questions = evaluateQuiz(quiz.expression);
    validateQuiz(questions, `${lesson.file}:${quiz.line}`);
    const section =
      lesson.headings.filter((h) => h.depth === 2 && h.line < quiz.line).at(-1)?.text ?? '(before the first section)';
    return { line: quiz.line, section, questions };
  });
}

const allQuestions = lessons.flatMap((l) => quizzesOf(l).flatMap((quiz) => quiz.questions));

describe('quizzes in the lessons', () => {
  it.each(TEMPLATE_LESSONS.map((o) => [o.slug] as const))(
    '%s asks one or two questions after several of its sections, not all at the end',
    (slug) => {
      const lesson = lessons.find((l) => l.slug === slug);
      expect(lesson, `content/lessons/${slug}.mdx is missing`).toBeDefined();
      const quizzes = quizzesOf(lesson!);
      expect(quizzes.length, `${slug}: quizzes`).toBeGreaterThanOrEqual(3);
      for (const quiz of quizzes) {
        expect(quiz.questions.length, `${lesson!.file}:${quiz.line}`).toBeGreaterThanOrEqual(1);
        expect(quiz.questions.length, `${lesson!.file}:${quiz.line}`).toBeLessThanOrEqual(2);
      }
      const sections = quizzes.map((quiz) => quiz.section);
      expect(new Set(sections).size, `${slug}: one quiz per section (${sections.join(' | ')})`).toBe(sections.length);
      // The first quiz comes before the sandbox, so a learner checks the ideas before using them.
      const firstSandbox = lesson!.source.split('\n').findIndex((line) => line.startsWith('<Sandbox')) + 1;
      expect(quizzes[0].line, `${slug}: a quiz before the first <Sandbox> (line ${firstSandbox})`).toBeLessThan(
        firstSandbox,
      );
    },
  );

  it('every option says why it is right or wrong, in a full sentence', () => {
    for (const question of allQuestions) {
      for (const option of question.options)
        expect(option.why.length, `"${question.q}" / "${option.text}"`).toBeGreaterThan(40);
      // The right option's feedback does not just repeat "wrong"; the wrong ones never start with "Right".
      question.options.forEach((option, i) => {
        if (i !== question.answer) expect(option.why, `"${question.q}" / "${option.text}"`).not.toMatch(/^Right\b/);
      });
      expect(question.options[question.answer].why, `"${question.q}"`).toMatch(/^Right\b/);
    }
  });

  it('the right answer is not always in the same position (no position holds more than half of them)', () => {
    const positions = allQuestions.map((q) => q.answer);
    expect(positions.length).toBeGreaterThanOrEqual(30);
    const counts = new Map<number, number>();
    for (const p of positions) counts.set(p, (counts.get(p) ?? 0) + 1);
    expect(Math.max(...counts.values())).toBeLessThanOrEqual(positions.length / 2);
  });

  it('the right answer is the longest option no more often than chance, plus 10 %', () => {
    // Rank 1 = the right answer is the longest option (ties count as longest). A learner who always picks the
    // longest option must score no better than one who picks at random.
    const ranks = allQuestions.map((q) => ({ rank: lengthRank(q), options: q.options.length }));
    const distribution = new Map<string, number>();
    for (const { rank } of ranks) distribution.set(`rank ${rank}`, (distribution.get(`rank ${rank}`) ?? 0) + 1);
    const longest = ranks.filter((r) => r.rank === 1).length;
    const chance = ranks.reduce((sum, r) => sum + 1 / r.options, 0) / ranks.length;
    console.log(
      `Answer-length rank of the right answer over ${ranks.length} questions (1 = longest): ` +
        [...distribution]
          .sort()
          .map(([k, v]) => `${k}: ${v}`)
          .join(', ') +
        `; longest in ${longest} (${((100 * longest) / ranks.length).toFixed(0)} %), chance ${(100 * chance).toFixed(0)} %`,
    );
    expect(longest / ranks.length).toBeLessThanOrEqual(chance + 0.1);
    // Nor may any other rank stand out (always "the second longest" would be a cue too).
    for (const [rank, count] of distribution)
      expect(count / ranks.length, `${rank}: ${count} of ${ranks.length}`).toBeLessThanOrEqual(chance + 0.15);
  });

  it('some questions make the learner read a log line or compute a number', () => {
    const logLines = allQuestions.filter((q) => /SC--|LOG:|Keepalived_vrrp|\[UFW BLOCK\]|ERROR:/.test(q.q));
    const numbers = allQuestions.filter((q) => /priority \d+|LSN|[0-9]\/[0-9A-F]{4,}|advert_int|inter \d/.test(q.q));
    expect(logLines.length, 'log-reading questions').toBeGreaterThanOrEqual(3);
    expect(numbers.length, 'calculation questions').toBeGreaterThanOrEqual(3);
  });
});

describe('the quiz logic', () => {
  const good: QuizQuestion = {
    q: 'Which?',
    options: [
      { text: 'a', why: 'Because not a.' },
      { text: 'b', why: 'Right, because b.' },
    ],
    answer: 1,
  };

  it('a well-formed quiz passes validation', () => {
    expect(() => validateQuiz([good], 'test')).not.toThrow();
  });

  it('a quiz whose answer is not one of its options is refused with the lesson and question named', () => {
    expect(() => validateQuiz([good, { ...good, answer: 2 }], 'content/lessons/x.mdx')).toThrow(
      'Quiz in content/lessons/x.mdx: question 2 has answer 2, which is not the index of one of its 2 options',
    );
  });

  it('an option without feedback, a question with a single option, or no question at all is refused', () => {
    expect(() => validateQuiz([{ ...good, options: [good.options[0], { text: 'b', why: ' ' }] }], 'x')).toThrow(
      /question 1, option 2 has no feedback \(why\)/,
    );
    expect(() => validateQuiz([{ ...good, options: [good.options[0]] }], 'x')).toThrow(
      /question 1 needs at least two options/,
    );
    expect(() => validateQuiz([{ ...good, options: ['a', 'b'] }], 'x')).toThrow(/question 1, option 1 has no text/);
    expect(() => validateQuiz([], 'x')).toThrow(/non-empty list/);
  });

  it('grading tells the learner in words: correct, incorrect, or nothing picked yet', () => {
    expect(grade(1, 1)).toEqual({ verdict: 'correct', message: 'Correct.' });
    expect(grade(1, 0)).toEqual({ verdict: 'incorrect', message: 'Not quite.' });
    expect(grade(1, undefined)).toEqual({ verdict: 'unanswered', message: 'Pick one of the options first.' });
  });

  it('the length rank counts the options longer than the right one, ties against the answer', () => {
    const q = (texts: string[], answer: number): QuizQuestion => ({
      q: '?',
      options: texts.map((text) => ({ text, why: 'w' })),
      answer,
    });
    expect(lengthRank(q(['long answer', 'a', 'b'], 0))).toBe(1);
    expect(lengthRank(q(['same', 'same', 'x'], 0))).toBe(1);
    expect(lengthRank(q(['a', 'longer', 'longest one'], 0))).toBe(3);
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
