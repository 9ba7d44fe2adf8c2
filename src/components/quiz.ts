// The quiz's logic, kept apart from its markup so the build (validateQuiz), the page (grade) and the content
// tests share one definition of a well-formed question.

export interface QuizQuestion {
  /** The question, one sentence. */
  q: string;
  /** The choices, shown in this order. */
  options: string[];
  /** Index into options of the right choice. */
  answer: number;
  /** Why the right choice is right (and, ideally, why the tempting wrong one is wrong). */
  explain: string;
}

/** Throws a message naming the lesson and the question when a quiz cannot be answered as written. */
export function validateQuiz(questions: unknown, where: string): asserts questions is QuizQuestion[] {
  const fail = (what: string) => {
    throw new Error(`Quiz in ${where}: ${what}. Each question needs { q, options (2 or more), answer (index), explain }.`);
  };
  if (!Array.isArray(questions) || questions.length === 0) fail('`questions` must be a non-empty list');
  (questions as unknown[]).forEach((question, i) => {
    const n = `question ${i + 1}`;
    const { q, options, answer, explain } = (question ?? {}) as Partial<QuizQuestion>;
    if (typeof q !== 'string' || q.trim() === '') fail(`${n} has no text (q)`);
    if (!Array.isArray(options) || options.length < 2 || options.some((o) => typeof o !== 'string' || o.trim() === '')) {
      fail(`${n} needs at least two non-empty options`);
    }
    if (!Number.isInteger(answer) || answer! < 0 || answer! >= options!.length) {
      fail(`${n} has answer ${String(answer)}, which is not the index of one of its ${options!.length} options`);
    }
    if (typeof explain !== 'string' || explain.trim() === '') fail(`${n} has no explanation (explain)`);
  });
}

export type Verdict = 'correct' | 'incorrect' | 'unanswered';

/** The learner's result for one question, as words a screen reader announces. */
export function grade(answer: number, picked: number | undefined): { verdict: Verdict; message: string } {
  if (picked === undefined) return { verdict: 'unanswered', message: 'Pick one of the options first.' };
  if (picked === answer) return { verdict: 'correct', message: 'Correct. The explanation is below.' };
  return { verdict: 'incorrect', message: 'Not quite. The right answer and why are below.' };
}

/** A stable id prefix for one quiz, so a page's ids are unique and the same on every build. */
export function quizId(questions: QuizQuestion[]): string {
  let hash = 0;
  for (const char of questions.map((question) => question.q).join('\n')) {
    hash = (Math.imul(hash, 31) + char.charCodeAt(0)) | 0;
  }
  return `quiz-${(hash >>> 0).toString(36)}`;
}

/** Splits text on `backticks` so quiz questions can show config words as code, like the lesson around them. */
export function codeSpans(text: string): { code: boolean; text: string }[] {
  return text
    .split('`')
    .map((part, i) => ({ code: i % 2 === 1, text: part }))
    .filter((part) => part.text !== '');
}
