import { describe, expect, it } from 'vitest';
import { loadProgress, recordProgress, progressByPage } from '../../../src/sandbox/view/progress';

function memoryStorage(): Storage {
  const map = new Map<string, string>();
  return { getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v) } as Storage;
}

describe('exercise progress saved in the browser', () => {
  it('keeps a goal done once met, even when it is no longer met', () => {
    const storage = memoryStorage();
    recordProgress(storage, 'two-servers', '/lessons/overview', [
      { id: 'a', met: true },
      { id: 'b', met: false },
    ]);
    recordProgress(storage, 'two-servers', '/lessons/overview', [
      { id: 'a', met: false },
      { id: 'b', met: false },
    ]);
    expect(loadProgress(storage)['two-servers']).toEqual({ page: '/lessons/overview', total: 2, done: ['a'] });
    expect(progressByPage(loadProgress(storage)).get('/lessons/overview/')).toEqual({ done: 1, total: 2 });
  });

  it("counts the exercises of the page's sandboxes that have not run, without touching those that have", () => {
    const storage = memoryStorage();
    const onPage = [
      { scenario: 'monitoring', total: 2 },
      { scenario: 'silent-failure', total: 2 },
    ];
    const record = (scenario: string, goals: Record<string, boolean>) =>
      recordProgress(
        storage,
        scenario,
        '/monitoring/',
        Object.entries(goals).map(([id, met]) => ({ id, met })),
        onPage,
      );
    record('silent-failure', { x: true, y: false });
    expect(progressByPage(loadProgress(storage)).get('/monitoring/')).toEqual({ done: 1, total: 4 });
    // The other sandbox runs later: its record replaces the empty entry made for it, and the first keeps what it had.
    record('monitoring', { a: true, b: true });
    expect(progressByPage(loadProgress(storage)).get('/monitoring/')).toEqual({ done: 3, total: 4 });
    expect(loadProgress(storage)['silent-failure']!.done).toEqual(['x']);
  });

  it('starts over from a corrupt entry instead of failing', () => {
    const storage = memoryStorage();
    storage.setItem('course-progress:v1', '{not json');
    expect(loadProgress(storage)).toEqual({});
  });
});
