// The quiz's logic, kept apart from its markup so the build (validateQuiz), the page (grade) and the content
// tests share one definition of a well-formed question.

export interface QuizOption {
  /** The choice as the learner reads it. */
  text: string;
  /** Why this choice is right or wrong: the feedback shown once the learner has answered. */
  why: string;
}

export interface QuizQuestion {
  /** The question; it may quote a log line or give numbers to compute with. */
  q: string;
  /** The choices, shown in this order; each wrong one a real misconception, each with its own feedback. */
  options: QuizOption[];
  /** Index into options of the right choice. */
  answer: number;
}

/** Throws a message naming the lesson and the question when a quiz cannot be answered as written. */
export function validateQuiz(questions: unknown, where: string): asserts questions is QuizQuestion[] {
  const fail = (what: string) => {
    throw new Error(
      `Quiz in ${where}: ${what}. Each question needs { q, options: [{ text, why }, ...] (2 or more), answer (index) }.`,
    );
  };
  if (!Array.isArray(questions) || questions.length === 0) fail('`questions` must be a non-empty list');
  (questions as unknown[]).forEach((question, i) => {
    const n = `question ${i + 1}`;
    const { q, options, answer } = (question ?? {}) as Partial<QuizQuestion>;
    if (typeof q !== 'string' || q.trim() === '') fail(`${n} has no text (q)`);
    if (!Array.isArray(options) || options.length < 2) fail(`${n} needs at least two options`);
    options!.forEach((option, oi) => {
      const { text, why } = (option ?? {}) as Partial<QuizOption>;
      if (typeof text !== 'string' || text.trim() === '') fail(`${n}, option ${oi + 1} has no text`);
      if (typeof why !== 'string' || why.trim() === '') fail(`${n}, option ${oi + 1} has no feedback (why)`);
    });
    if (!Number.isInteger(answer) || answer! < 0 || answer! >= options!.length) {
      fail(`${n} has answer ${String(answer)}, which is not the index of one of its ${options!.length} options`);
    }
  });
}

export type Verdict = 'correct' | 'incorrect' | 'unanswered';

/** The learner's verdict for one question, as words a screen reader announces (the feedback follows it). */
export function grade(answer: number, picked: number | undefined): { verdict: Verdict; message: string } {
  if (picked === undefined) return { verdict: 'unanswered', message: 'Pick one of the options first.' };
  if (picked === answer) return { verdict: 'correct', message: 'Correct.' };
  return { verdict: 'incorrect', message: 'Not quite.' };
}

/**
 * Where the right answer ranks by length among its options, for each question: 1 = the longest (ties count
 * against the answer: an answer as long as the longest is "the longest"). A learner who always picks the longest
 * option must do no better than chance.
 */
export function lengthRank(question: QuizQuestion): number {
  const length = (o: QuizOption) => o.text.length;
  const mine = length(question.options[question.answer]);
  return 1 + question.options.filter((o, i) => i !== question.answer && length(o) > mine).length;
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
