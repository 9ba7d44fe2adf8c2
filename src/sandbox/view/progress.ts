// Exercise progress kept in the browser (localStorage), per scenario: which goals were met at least once, and on
// which page, so the sidebar can show it. A goal once met stays done, even after a reload or a "reset lab".

export interface Progress {
  [scenario: string]: { page: string; total: number; done: string[] };
}

const KEY = 'course-progress:v1';

export function loadProgress(storage: Pick<Storage, 'getItem'>): Progress {
  try {
    const value = JSON.parse(storage.getItem(KEY) ?? '{}');
    return value && typeof value === 'object' ? value : {};
  } catch {
    return {}; // a corrupt entry (edited by hand) starts over rather than breaking the page
  }
}

/** A sandbox of the page and the number of its goals (its `data-goals`, written at build time). */
export interface PageSandbox {
  scenario: string;
  total: number;
}

/**
 * Records goals met now; returns the updated progress (unchanged when nothing new was met). The page's other
 * sandboxes (`onPage`) are entered with nothing done, if not there yet, so that the page's count is of all its
 * exercises, not only of the sandboxes the learner has run.
 */
export function recordProgress(
  storage: Pick<Storage, 'getItem' | 'setItem'>,
  scenario: string,
  page: string,
  goals: readonly { id: string; met: boolean }[],
  onPage: readonly PageSandbox[] = [],
): Progress {
  const progress = loadProgress(storage);
  const before = progress[scenario]?.done ?? [];
  const done = [...new Set([...before, ...goals.filter((g) => g.met).map((g) => g.id)])].filter((id) =>
    goals.some((g) => g.id === id),
  );
  const others = onPage.filter((other) => other.scenario !== scenario && !progress[other.scenario]);
  const entry = { page, total: goals.length, done };
  if (JSON.stringify(progress[scenario]) === JSON.stringify(entry) && !others.length) return progress;
  const next: Progress = { ...progress, [scenario]: entry };
  for (const other of others) next[other.scenario] = { page, total: other.total, done: [] };
  try {
    storage.setItem(KEY, JSON.stringify(next));
  } catch {
    // Storage blocked (private mode, strict settings): progress lives for this visit only.
  }
  return next;
}

/** "2/3 exercises done" per page path, for the sidebar. */
export function progressByPage(progress: Progress): Map<string, { done: number; total: number }> {
  const out = new Map<string, { done: number; total: number }>();
  for (const entry of Object.values(progress)) {
    const page = entry.page.replace(/\/?$/, '/');
    const prev = out.get(page) ?? { done: 0, total: 0 };
    out.set(page, { done: prev.done + entry.done.length, total: prev.total + entry.total });
  }
  return out;
}

// The learner's predictions, kept beside the progress: per scenario, each prediction's answer as given (a number
// as typed, or the chosen option). Kept through reloads and resets; changed only when the learner changes it.

export interface SavedPredictions {
  [scenario: string]: { [prediction: string]: string };
}

const PREDICTIONS_KEY = 'course-predictions:v1';

function allPredictions(storage: Pick<Storage, 'getItem'>): SavedPredictions {
  try {
    const value = JSON.parse(storage.getItem(PREDICTIONS_KEY) ?? '{}');
    return value && typeof value === 'object' ? value : {};
  } catch {
    return {}; // corrupt (edited by hand): no prediction kept, rather than a broken panel
  }
}

export function loadPredictions(storage: Pick<Storage, 'getItem'>, scenario: string): Record<string, string> {
  const mine = allPredictions(storage)[scenario];
  return mine && typeof mine === 'object' ? mine : {};
}

/** Saves the learner's answer to one prediction, or forgets it (undefined): they chose to change it. */
export function savePrediction(
  storage: Pick<Storage, 'getItem' | 'setItem'>,
  scenario: string,
  id: string,
  answer: string | undefined,
): void {
  const all = allPredictions(storage);
  const { [id]: _changed, ...others } = loadPredictions(storage, scenario);
  try {
    storage.setItem(
      PREDICTIONS_KEY,
      JSON.stringify({ ...all, [scenario]: answer === undefined ? others : { ...others, [id]: answer } }),
    );
  } catch {
    // Storage blocked: the prediction lives for this visit only (the view keeps it).
  }
}
