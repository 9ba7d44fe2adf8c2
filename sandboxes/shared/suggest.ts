// "Did you mean ...?" for typos: the candidates closest to what was typed by edit distance, where swapping two
// neighbouring letters counts as one edit (the optimal string alignment variant of Damerau-Levenshtein), since
// "crul" for "curl" is the most common typo of all.

export function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The candidates worth suggesting for `typed`, best first (none if nothing is close). */
export function closest(typed: string, candidates: readonly string[]): string[] {
  const word = typed.toLowerCase();
  // Allow about one edit per three letters, so "ifra" finds "infra" but "x" does not find everything.
  const allowed = Math.max(1, Math.floor(word.length / 3));
  const scored = candidates
    // An edit distance is at least the difference in length: what differs more cannot be close, and a long word
    // (a whole pasted line) is dismissed without an edit distance over its every letter.
    .filter(
      (candidate) =>
        (candidate.startsWith(word) && word.length >= 2) || Math.abs(candidate.length - word.length) <= allowed,
    )
    .map((candidate) => ({
      candidate,
      score: candidate.startsWith(word) && word.length >= 2 ? 0.5 : distance(word, candidate.toLowerCase()),
    }))
    .filter(({ score }) => score <= allowed)
    .sort((x, y) => x.score - y.score);
  if (scored.length === 0) return [];
  return scored.filter(({ score }) => score === scored[0].score).map(({ candidate }) => candidate);
}

/** " (did you mean 'curl'?)" or "" — to append to an error. */
export function didYouMean(typed: string, candidates: readonly string[]): string {
  const best = closest(typed, candidates);
  if (best.length === 0) return '';
  return ` (did you mean ${best.map((c) => `'${c}'`).join(' or ')}?)`;
}
